using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using MailActors.Authentication;
using MailActors.Storage;

namespace MailActors.Accounts;

/// <summary>
/// Checks credentials against the account store. Like Dovecot's auth cache, a successful check is
/// remembered for a while (keyed by the stored hash, so a password change invalidates it) and
/// repeated logins skip the slow hash. Thread-safe; sessions call it from tasks, never from an actor's thread.
/// </summary>
public sealed class AccountDirectory(IAccountStore store, ApopSecretCipher cipher, TimeSpan? cacheTtl = null) : ICredentialVerifier
{
    private readonly TimeSpan _cacheTtl = cacheTtl ?? TimeSpan.FromMinutes(5);
    private readonly ConcurrentDictionary<string, DateTime> _verified = new();

    public async Task<CredentialCheck> VerifyPasswordAsync(string account, string password)
    {
        try
        {
            return await VerifyStoredPasswordAsync(account, password) is { } name ? new CredentialCheck.Valid(name) : CredentialCheck.Invalid.Instance;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new CredentialCheck.Unavailable(e.Message);
        }
    }

    public async Task<CredentialCheck> VerifyApopAsync(string account, string timestamp, string digest)
    {
        try
        {
            return await VerifyStoredApopAsync(account, timestamp, digest) is { } name ? new CredentialCheck.Valid(name) : CredentialCheck.Invalid.Instance;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new CredentialCheck.Unavailable(e.Message);
        }
    }

    /// <returns>the account name when the login password is right; null otherwise (whether or not it exists).</returns>
    private async Task<string?> VerifyStoredPasswordAsync(string account, string password)
    {
        var stored = await store.FindAccountAsync(account);
        var hash = stored?.PasswordHash ?? PasswordHasher.Decoy;
        var cacheKey = CacheKey(account, hash, password);
        if (stored is not null && _verified.TryGetValue(cacheKey, out var until) && until > DateTime.UtcNow)
            return stored.Name;

        var ok = await Task.Run(() => PasswordHasher.Verify(password, hash));
        if (!ok || stored is null) return null;
        if (_verified.Count > 100_000) _verified.Clear();
        _verified[cacheKey] = DateTime.UtcNow + _cacheTtl;
        return stored.Name;
    }

    /// <returns>the account name when the APOP digest matches its APOP-only secret; null otherwise.</returns>
    private async Task<string?> VerifyStoredApopAsync(string account, string timestamp, string digest)
    {
        var stored = await store.FindAccountAsync(account);
        var secret = stored?.ApopSecretSealed is { } sealedSecret ? cipher.Open(sealedSecret) : null;
        return secret is not null && ApopDigest.Matches(timestamp, secret, digest) ? stored!.Name : null;
    }

    private static string CacheKey(string account, string storedHash, string password) =>
        account + "\n" + storedHash + "\n" +
        Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(storedHash + "\n" + password)));
}
