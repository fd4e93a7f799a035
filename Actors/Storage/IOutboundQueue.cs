namespace MailActors.Storage;

/// <summary>A queued recipient claimed by a node: leased to it until it records the outcome or the lease runs out.</summary>
public sealed record ClaimedRecipient(
    long Id, long MessageRow, string QueueId, string? MessageId, string EnvelopeFrom, string Recipient, DateTime CreatedUtc, int Attempts);

/// <summary>A delivery status notification, written in the same transaction that removes the failed recipient.</summary>
public abstract record BounceDelivery
{
    /// <summary>Into a local mailbox (the message starts with <c>Return-Path: &lt;&gt;</c>).</summary>
    public sealed record Local(string Account, byte[] Message) : BounceDelivery;

    /// <summary>Into the outbound queue, with the null envelope sender.</summary>
    public sealed record Outbound(string QueueId, string? MessageId, string Recipient, byte[] Message) : BounceDelivery;
}

/// <summary>A queue row as operators see it. State: <c>queued</c> (never tried), <c>deferred</c> (tried, waiting), <c>delivering</c> (leased now).</summary>
public sealed record OutboundEntry(QueueEntry Entry, string State, string? Owner, DateTime? LeaseUntil);

public sealed record QueueDepth(int Queued, int Deferred, int Delivering)
{
    public int Total => Queued + Deferred + Delivering;
}

/// <summary>
/// The outbound queue as delivery and operators use it (docs/spec.md §10). Ownership is a lease in the database: a node claims
/// due, unleased (or lease-expired) recipients with one atomic UPDATE, so no two nodes deliver the same recipient at
/// once, and a lost node's work is taken over when its leases run out. Every outcome is recorded only while the
/// recording node still holds the lease (false otherwise: someone else took it over or an operator removed it).
/// SQLite (<see cref="SqliteOutboundQueue"/>) and PostgreSQL (<see cref="PostgresOutboundQueue"/>).
/// </summary>
public interface IOutboundQueue
{
    Task<IReadOnlyList<ClaimedRecipient>> ClaimAsync(string node, DateTime now, TimeSpan lease, int limit, CancellationToken ct = default);

    /// <returns>null when the message is gone.</returns>
    Task<byte[]?> ReadBodyAsync(long messageRow, CancellationToken ct = default);

    /// <summary>Extends the node's leases on entries it is still working on.</summary>
    Task RenewAsync(string node, IReadOnlyCollection<long> ids, DateTime leaseUntil, CancellationToken ct = default);

    /// <summary>Gives back the node's leases without an outcome (at shutdown), so another node need not wait for them to run out.</summary>
    Task ReleaseAsync(string node, IReadOnlyCollection<long> ids, CancellationToken ct = default);

    Task<bool> DeliveredAsync(long id, string node, CancellationToken ct = default);

    Task<bool> DeferredAsync(long id, string node, DateTime nextAttemptUtc, string error, CancellationToken ct = default);

    /// <summary>Removes the recipient and, in the same transaction, stores or queues its bounce (none for a null sender).</summary>
    Task<bool> FailedAsync(long id, string node, string error, BounceDelivery? bounce, CancellationToken ct = default);

    Task<IReadOnlyList<OutboundEntry>> ListAsync(DateTime now, CancellationToken ct = default);

    Task<QueueDepth> DepthAsync(DateTime now, CancellationToken ct = default);

    /// <summary>Makes the message's recipients (or one of them) due now. Returns how many.</summary>
    Task<int> RetryAsync(string queueId, string? recipient, DateTime now, CancellationToken ct = default);

    /// <summary>Removes the message's recipients (or one of them) without a bounce. Returns how many.</summary>
    Task<int> DeleteAsync(string queueId, string? recipient, CancellationToken ct = default);
}
