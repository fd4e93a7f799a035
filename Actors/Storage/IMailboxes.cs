using MailActors.Aliases;
using MailActors.Quotas;

namespace MailActors.Storage;

/// <summary>An alias and its targets, in the order given.</summary>
public sealed record AliasEntry(string Address, IReadOnlyList<string> Targets);

/// <summary>
/// A message brought over from another server (docs/spec.md §4, migration): <paramref name="ImportKey"/> names its
/// source (a Maildir file's base name, an mbox message's digest) so that a second run skips it; <paramref name="Uidl"/>
/// is the UIDL the old server served.
/// </summary>
public sealed record ImportedMessage(string ImportKey, string Uidl, byte[] Body, DateTime ReceivedUtc);

/// <summary>Aliases, quotas and imports: the administration of mailboxes, on either database.</summary>
public interface IMailboxes : IRecipientLookups
{
    Task<IReadOnlyList<AliasEntry>> ListAliasesAsync(CancellationToken ct = default);

    /// <summary>Creates the alias, or replaces its targets.</summary>
    Task SetAliasAsync(string address, IReadOnlyList<string> targets, CancellationToken ct = default);

    Task<bool> DeleteAliasAsync(string address, CancellationToken ct = default);

    /// <summary>Every account's usage and own limits, by name.</summary>
    Task<IReadOnlyList<MailboxUsage>> ListMailboxesAsync(CancellationToken ct = default);

    /// <summary>Sets the account's own limits (null: the configured default). <returns>false when there is no such account.</returns></summary>
    Task<bool> SetQuotaAsync(string account, long? bytes, long? messages, CancellationToken ct = default);

    /// <summary>
    /// Stores the messages in the order given, in one transaction, skipping any whose import key or UIDL the mailbox
    /// already holds; counts them in the mailbox's usage but never refuses for quota. <returns>how many were new.</returns>
    /// </summary>
    Task<int> ImportAsync(string account, IReadOnlyList<ImportedMessage> messages, CancellationToken ct = default);
}
