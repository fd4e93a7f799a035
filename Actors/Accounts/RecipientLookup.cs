using MailActors.Storage;

namespace MailActors.Accounts;

/// <summary>What <c>RCPT</c> learns about a local mailbox name (docs/spec.md §4).</summary>
public enum RecipientStatus
{
    Active,
    /// <summary>Disabled by an administrator, or gone from the directory: <c>550 5.2.1</c>, its mail kept.</summary>
    Disabled,
    Unknown,
    /// <summary>The store or the directory did not answer (the lookup threw): <c>451 4.3.0</c>.</summary>
    Unavailable,
}

/// <summary>The answer for a recipient: its state, and the mailbox its mail goes to (a directory user's canonical one).</summary>
public sealed record MailboxLookup(RecipientStatus Status, string Mailbox);

/// <summary>Finds the mailbox a local recipient names; the local table and the directory each answer it.</summary>
public interface IRecipientLookup
{
    /// <param name="name">the recipient's local part, as a valid account name.</param>
    /// <exception cref="Exception">the store or the directory did not answer.</exception>
    Task<MailboxLookup> FindRecipientAsync(string name);
}

/// <summary>Local accounts: the row and its state.</summary>
public sealed class LocalRecipients(IAccountStore store) : IRecipientLookup
{
    public async Task<MailboxLookup> FindRecipientAsync(string name) =>
        new(StatusOf(await store.FindAccountAsync(name)), name);

    public static RecipientStatus StatusOf(StoredAccount? account) => account?.State switch
    {
        null => RecipientStatus.Unknown,
        AccountState.Disabled => RecipientStatus.Disabled,
        _ => RecipientStatus.Active,
    };
}
