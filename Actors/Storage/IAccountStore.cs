namespace MailActors.Storage;

/// <summary>
/// An account row as stored: never a clear password; the APOP secret encrypted. A directory account's row
/// (<c>accounts.source = "ldap"</c>) has <see cref="NoLocalPassword"/>: its password is the directory's.
/// </summary>
public sealed record StoredAccount(string Name, string PasswordHash, byte[]? ApopSecretSealed, DateTime CreatedUtc,
    AccountState State = AccountState.Active)
{
    /// <summary>The password hash of a row whose login password lives elsewhere; no password ever verifies against it.</summary>
    public const string NoLocalPassword = "";
}

/// <summary>docs/spec.md §4: a disabled account keeps its mail, but cannot log in, earns no grant and receives no mail.</summary>
public enum AccountState { Active, Disabled }

public static class AccountStates
{
    public static string Name(AccountState state) => state == AccountState.Disabled ? "disabled" : "active";

    public static AccountState Parse(string stored) => stored == "disabled" ? AccountState.Disabled : AccountState.Active;
}

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
    /// <returns>false when there is no such account.</returns>
    Task<bool> SetStateAsync(string name, AccountState state, CancellationToken ct = default);
    /// <summary>Removes the account and its mail.</summary>
    Task<bool> DeleteAccountAsync(string name, CancellationToken ct = default);
}
