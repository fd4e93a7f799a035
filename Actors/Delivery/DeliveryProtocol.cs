using MailActors.Storage;

namespace MailActors.Delivery;

/// <summary>Messages between the delivery manager and its per-destination workers (local to a node; never sent between nodes).</summary>
public static class DeliveryProtocol
{
    /// <summary>Claimed recipients for one worker to carry out (handed over together, so that recipients of one message can share a transaction).</summary>
    public sealed record Work(IReadOnlyList<ClaimedRecipient> Jobs);

    /// <summary>A worker's report: the attempt ended (Event null: nothing to record, or the entry was no longer ours).</summary>
    public sealed record Finished(ClaimedRecipient Job, DeliveryEvents.IDeliveryEvent? Event, Exception? Fault);

    /// <summary>Ask for the manager's counters (for status and tests).</summary>
    public sealed record GetState
    {
        public static readonly GetState Instance = new();
    }

    public sealed record State(int InFlight, long Attempts, string Owner);
}
