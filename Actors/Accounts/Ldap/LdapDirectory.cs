using System.Security.Cryptography;
using System.Text;
using MailActors.Authentication;
using MailActors.Configuration;
using MailActors.Storage;

namespace MailActors.Accounts.Ldap;

/// <summary>
/// Accounts from a campus directory (<c>accounts.source = "ldap"</c>, docs/spec.md §4). The login password is the
/// directory's, checked by a bind as the user the <c>user-filter</c> finds; what the directory cannot hold stays in
/// our accounts table, in a row with no local password that is made on first login or delivery: the APOP-only
/// secret (no bind can check a digest), the account's state, and the mail. A user gone from the directory is
/// disabled, with its mail kept, and active again when back. Directory trouble is
/// <see cref="CredentialCheck.Unavailable"/>, never a wrong password. Lookups and verified credentials are
/// remembered for <see cref="LdapSettings.CacheTtl"/> (at most 5 minutes), so a change in the directory shows within it.
/// </summary>
public sealed class LdapDirectory : ICredentialVerifier, IRecipientLookup, IDisposable
{
    private readonly LdapClient _client;
    private readonly IAccountStore _store;
    private readonly ApopSecretCipher _cipher;
    private readonly DirectoryUser _decoy;
    private readonly ExpiringCache<string, DirectoryUser?> _byLogin, _byMailbox;
    private readonly ExpiringCache<string, bool> _verified;
    private readonly byte[] _fingerprintKey = RandomNumberGenerator.GetBytes(32);

    public LdapDirectory(LdapSettings settings, IReadOnlyList<string> localDomains, IAccountStore store, ApopSecretCipher cipher)
    {
        _client = new LdapClient(settings, localDomains);
        _store = store;
        _cipher = cipher;
        _decoy = new DirectoryUser($"cn=mailactors-no-such-user,{settings.BaseDn}", "");
        _byLogin = new ExpiringCache<string, DirectoryUser?>(settings.CacheTtl);
        _byMailbox = new ExpiringCache<string, DirectoryUser?>(settings.CacheTtl);
        _verified = new ExpiringCache<string, bool>(settings.CacheTtl);
    }

    public async Task<CredentialCheck> VerifyPasswordAsync(string account, string password)
    {
        try
        {
            var user = await FindByLoginAsync(account);
            if (user is null)
            {
                await _client.BindAsync(_decoy, password);   // as long as a real check, so the reply time does not tell who exists
                return CredentialCheck.Invalid.Instance;
            }
            var fingerprint = Fingerprint(user.Dn, password);
            if (!_verified.TryGet(fingerprint, out _))
            {
                if (!await _client.BindAsync(user, password)) return CredentialCheck.Invalid.Instance;
                _verified.Set(fingerprint, true);
            }
            return await MailboxAsync(user.Mailbox) == AccountState.Disabled
                ? new CredentialCheck.Disabled(user.Mailbox)
                : new CredentialCheck.Valid(user.Mailbox);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new CredentialCheck.Unavailable(e.Message);
        }
    }

    /// <summary>The digest is checked against the local APOP-only secret first; only the right one asks the directory.</summary>
    public async Task<CredentialCheck> VerifyApopAsync(string account, string timestamp, string digest)
    {
        try
        {
            var stored = await _store.FindAccountAsync(account);
            var secret = stored?.ApopSecretSealed is { } sealedSecret ? _cipher.Open(sealedSecret) : null;
            if (secret is null || !ApopDigest.Matches(timestamp, secret, digest)) return CredentialCheck.Invalid.Instance;
            var user = await UserOfMailboxAsync(stored!.Name);
            return user is null || stored.State == AccountState.Disabled
                ? new CredentialCheck.Disabled(stored.Name)
                : new CredentialCheck.Valid(stored.Name);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new CredentialCheck.Unavailable(e.Message);
        }
    }

    /// <summary>A recipient's mailbox: the directory user's own (made now on first delivery), or disabled when the user is gone.</summary>
    /// <exception cref="DirectoryUnavailable"/>
    public async Task<MailboxLookup> FindRecipientAsync(string name)
    {
        var user = await UserOfMailboxAsync(name);
        if (user is null)
            return new MailboxLookup(await _store.FindAccountAsync(name) is null ? RecipientStatus.Unknown : RecipientStatus.Disabled, name);
        return new MailboxLookup(await MailboxAsync(user.Mailbox) == AccountState.Disabled ? RecipientStatus.Disabled : RecipientStatus.Active,
            user.Mailbox);
    }

    /// <summary>The directory user a name stands for, as a login name or else as a mailbox; null when neither.</summary>
    /// <exception cref="DirectoryUnavailable"/>
    public async Task<DirectoryUser?> ResolveAsync(string name) =>
        await FindByLoginAsync(name) ?? await FindByMailboxAsync(name);

    /// <summary>The directory user whose mailbox this is: by address, or by login name for a user with no address of their own.</summary>
    /// <exception cref="DirectoryUnavailable"/>
    public async Task<DirectoryUser?> UserOfMailboxAsync(string mailbox)
    {
        if (await FindByMailboxAsync(mailbox) is { } user) return user;
        return await FindByLoginAsync(mailbox) is { } byLogin && byLogin.Mailbox == mailbox ? byLogin : null;
    }

    /// <summary>The mailbox's state; its row (with no local password) is made now if this is its first login or delivery.</summary>
    public async Task<AccountState> MailboxAsync(string mailbox)
    {
        if (await _store.FindAccountAsync(mailbox) is { } row) return row.State;
        await _store.AddAccountAsync(mailbox, StoredAccount.NoLocalPassword);
        return (await _store.FindAccountAsync(mailbox))?.State ?? AccountState.Active;
    }

    private Task<DirectoryUser?> FindByLoginAsync(string login) => CachedAsync(_byLogin, login, _client.FindByLoginAsync);

    private Task<DirectoryUser?> FindByMailboxAsync(string mailbox) => CachedAsync(_byMailbox, mailbox, _client.FindByMailboxAsync);

    private static async Task<DirectoryUser?> CachedAsync(ExpiringCache<string, DirectoryUser?> cache, string key, Func<string, Task<DirectoryUser?>> find)
    {
        if (cache.TryGet(key, out var known)) return known;
        var found = await find(key);
        cache.Set(key, found);
        return found;
    }

    /// <summary>What the verified-credential cache keeps of a password: a keyed hash, the key this process's alone.</summary>
    private string Fingerprint(string dn, string password) =>
        Convert.ToBase64String(HMACSHA256.HashData(_fingerprintKey, Encoding.UTF8.GetBytes(dn + "\n" + password)));

    public void Dispose() => _client.Dispose();
}
