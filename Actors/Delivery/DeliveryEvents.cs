namespace MailActors.Delivery;

/// <summary>
/// Facts of outbound delivery, published on the actor system's EventStream (one per attempt's end) for the audit
/// journal and metrics to take. Nothing here persists them.
/// </summary>
public static class DeliveryEvents
{
    public interface IDeliveryEvent
    {
        string QueueId { get; }
        string Recipient { get; }
        DateTime Utc { get; }
    }

    /// <summary>The remote accepted the message for <c>Recipient</c>; the entry left the queue.</summary>
    public sealed record MessageDelivered(
        string QueueId, string Recipient, string? MessageId, string DestinationHost, string Reply, int Attempts, DateTime Utc, string Node)
        : IDeliveryEvent;

    /// <summary>
    /// Permanently failed (a 5xx reply, or given up after relay.give-up-after); the entry left the queue. <c>Bounce</c>
    /// tells where the delivery status notification went: "local:ACCOUNT", "queued:QUEUEID", or "none" for a null sender.
    /// </summary>
    public sealed record MessageBounced(
        string QueueId, string Recipient, string? MessageId, string DestinationHost, string Reply, int Attempts, DateTime Utc, string Node,
        string Status, string Bounce) : IDeliveryEvent;

    /// <summary>A temporary failure; the entry is tried again at <c>NextAttemptUtc</c>.</summary>
    public sealed record DeliveryDeferred(
        string QueueId, string Recipient, string? MessageId, string DestinationHost, string Reply, int Attempts, DateTime Utc, string Node,
        DateTime NextAttemptUtc) : IDeliveryEvent;
}
