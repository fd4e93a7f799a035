namespace MailActors.Quotas;

/// <summary>
/// A mailbox's limits (docs/spec.md §4): octets and messages; 0 means no limit on that count.
/// A mailbox at or over either limit takes no more mail; imports are administrative and not refused.
/// </summary>
public sealed record Quota(long Bytes, long Messages)
{
    public static readonly Quota Unlimited = new(0, 0);

    public bool IsReachedBy(long usedBytes, long usedMessages) =>
        Bytes > 0 && usedBytes >= Bytes || Messages > 0 && usedMessages >= Messages;
}

/// <summary>
/// An account's mailbox as the store counts it: usage kept in the same transaction as every insert and delete, and
/// the account's own limits where an administrator set them (null: the configured default).
/// </summary>
public sealed record MailboxUsage(string Account, long UsedBytes, long UsedMessages, long? QuotaBytes, long? QuotaMessages)
{
    public Quota Effective(Quota defaults) => new(QuotaBytes ?? defaults.Bytes, QuotaMessages ?? defaults.Messages);

    public bool IsFull(Quota defaults) => Effective(defaults).IsReachedBy(UsedBytes, UsedMessages);
}

/// <summary>Thrown by an intake when a local recipient's mailbox reached its quota between RCPT and commit.</summary>
public sealed class QuotaReachedException(string account) : Exception($"mailbox {account} is full")
{
    public string Account { get; } = account;
}
