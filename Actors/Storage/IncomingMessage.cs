namespace MailActors.Storage;

/// <summary>
/// A message accepted by SMTP, ready to store: one copy per local account and one outbound queue entry per
/// relayed recipient, all committed together or not at all (docs/spec.md §6).
/// </summary>
public sealed record IncomingMessage(
    string QueueId,
    string? MessageId,
    string EnvelopeFrom,
    IReadOnlyList<string> LocalAccounts,
    byte[] LocalCopy,
    IReadOnlyList<string> RelayRecipients,
    byte[] RelayCopy,
    string ClientAddress,
    string? RelayAccount)
{
    /// <summary>The POP3 unique-id each local copy is stored under, in <see cref="LocalAccounts"/> order (named in its audit fact).</summary>
    public IReadOnlyList<string> LocalUidls { get; init; } = LocalAccounts.Select(_ => Uidl.New()).ToList();
}

/// <summary>One relayed recipient waiting in the outbound queue.</summary>
public sealed record QueueEntry(
    long Id, string QueueId, string? MessageId, string EnvelopeFrom, string Recipient, string? RelayAccount,
    DateTime CreatedUtc, int Attempts, DateTime NextAttemptUtc, string? LastError, long Size);

public interface IMailIntake
{
    /// <summary>Stores every local copy and queues every relayed recipient in one transaction; returns once committed.</summary>
    Task AcceptAsync(IncomingMessage message, CancellationToken ct = default);

    Task<IReadOnlyList<QueueEntry>> ListQueueAsync(CancellationToken ct = default);

    /// <summary>How many relayed recipients wait, by whether delivery was tried yet: one aggregate query, for metrics and status.</summary>
    Task<QueueCounts> CountQueueAsync(CancellationToken ct = default);
}

/// <summary>
/// The outbound queue in figures: recipients never tried yet (<paramref name="Queued"/>), tried and waiting for a
/// retry (<paramref name="Deferred"/>), and when the oldest of them was accepted (null when the queue is empty).
/// </summary>
public sealed record QueueCounts(long Queued, long Deferred, DateTime? OldestUtc)
{
    public long Total => Queued + Deferred;

    public static readonly QueueCounts Empty = new(0, 0, null);
}
