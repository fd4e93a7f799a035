namespace MailActors.Storage;

/// <summary>An account row as stored: never a clear password; the APOP secret encrypted.</summary>
public sealed record StoredAccount(string Name, string PasswordHash, byte[]? ApopSecretSealed, DateTime CreatedUtc);

/// <summary>Accounts, as the actors and the CLI see them; SqliteStore and PostgresStore fill it alike.</summary>
public interface IAccountStore
{
    Task<StoredAccount?> FindAccountAsync(string name, CancellationToken ct = default);
    Task<IReadOnlyList<StoredAccount>> ListAccountsAsync(CancellationToken ct = default);
    /// <returns>false when the name is taken.</returns>
    Task<bool> AddAccountAsync(string name, string passwordHash, CancellationToken ct = default);
    /// <returns>false when there is no such account.</returns>
    Task<bool> SetPasswordHashAsync(string name, string passwordHash, CancellationToken ct = default);
    Task<bool> SetApopSecretAsync(string name, byte[] sealedSecret, CancellationToken ct = default);
    /// <summary>Removes the account and its mail.</summary>
    Task<bool> DeleteAccountAsync(string name, CancellationToken ct = default);
}
