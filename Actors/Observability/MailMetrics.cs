using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using MailActors.Storage;

namespace MailActors.Observability;

/// <summary>
/// Every figure a node exports (docs/spec.md §13), on one <see cref="Meter"/> named <see cref="MeterName"/>. Code calls one
/// method where the fact happens; the admin endpoint exports them as Prometheus text. Every measurement carries the
/// node (its cluster address), so several nodes in one process (the tests) and a scrape of each node stay apart.
/// Counter names get <c>_total</c> from the Prometheus exporter.
/// </summary>
public static class MailMetrics
{
    public const string MeterName = "MailActors";

    private static readonly Meter Meter = new(MeterName);

    private static readonly UpDownCounter<long> OpenConnections = Meter.CreateUpDownCounter<long>(
        "mailactors_connections", description: "Client connections open now, per listener");

    private static readonly Counter<long> AcceptedConnections = Meter.CreateCounter<long>(
        "mailactors_connections_accepted", description: "Client connections accepted, per listener");

    private static readonly Counter<long> Authentications = Meter.CreateCounter<long>(
        "mailactors_authentications", description: "Logins and SMTP AUTHs by result (success, failure, refused_by_policy), listener and mechanism");

    private static readonly Counter<long> MessagesAccepted = Meter.CreateCounter<long>(
        "mailactors_messages_accepted", description: "Messages answered 250 after DATA, by listener and destination (local, relayed); a message with both kinds of recipient counts once in each");

    private static readonly Counter<long> RelayedRecipients = Meter.CreateCounter<long>(
        "mailactors_relayed_recipients", description: "Recipients queued for relay, by listener and the mechanism that allowed it (network, grant, smtpauth)");

    private static readonly Counter<long> DeliveryAttempts = Meter.CreateCounter<long>(
        "mailactors_delivery_attempts", description: "Outbound delivery attempts by result (delivered, deferred, failed)");

    private static readonly ConcurrentDictionary<string, NodeGauges> Nodes = new();

    static MailMetrics()
    {
        Meter.CreateObservableGauge("mailactors_grants_live", () =>
            Nodes.SelectMany(n => n.Value.Grants() is long count
                ? [new Measurement<long>(count, Tag("node", n.Key))]
                : Array.Empty<Measurement<long>>()),
            description: "POP-before-SMTP grants live, as this node last learned from the grant ledger");
        Meter.CreateObservableGauge("mailactors_queue_depth", () =>
            Nodes.SelectMany(n => n.Value.Queue() is { } q
                ? [new Measurement<long>(q.Queued, Tag("node", n.Key), Tag("state", "queued")),
                   new Measurement<long>(q.Deferred, Tag("node", n.Key), Tag("state", "deferred"))]
                : Array.Empty<Measurement<long>>()),
            description: "Relayed recipients in the outbound queue, by state: queued (not tried yet) or deferred (tried, waiting for a retry)");
        Meter.CreateObservableGauge("mailactors_queue_oldest_age_seconds", () =>
            Nodes.SelectMany(n => n.Value.Queue() is { OldestUtc: { } oldest }
                ? [new Measurement<double>(Math.Max(0, (DateTime.UtcNow - oldest).TotalSeconds), Tag("node", n.Key))]
                : Array.Empty<Measurement<double>>()),
            description: "Age of the oldest recipient in the outbound queue (absent when it is empty)");
    }

    public static class Results
    {
        public const string Success = "success";
        public const string Failure = "failure";
        public const string RefusedByPolicy = "refused_by_policy";
    }

    public static class Destinations
    {
        public const string Local = "local";
        public const string Relayed = "relayed";
    }

    public static class DeliveryResults
    {
        public const string Delivered = "delivered";
        public const string Deferred = "deferred";
        public const string Failed = "failed";
    }

    public static void ConnectionOpened(string node, string listener)
    {
        AcceptedConnections.Add(1, Tag("node", node), Tag("listener", listener));
        OpenConnections.Add(1, Tag("node", node), Tag("listener", listener));
    }

    public static void ConnectionClosed(string node, string listener) =>
        OpenConnections.Add(-1, Tag("node", node), Tag("listener", listener));

    /// <param name="result">one of <see cref="Results"/>.</param>
    public static void Authenticated(string node, string listener, string mechanism, string result) =>
        Authentications.Add(1, Tag("node", node), Tag("listener", listener), Tag("mechanism", mechanism), Tag("result", result));

    /// <summary>A message was committed and answered 250.</summary>
    public static void MessageAccepted(string node, string listener, int localRecipients, int relayedRecipients, string? relayMechanism)
    {
        if (localRecipients > 0)
            MessagesAccepted.Add(1, Tag("node", node), Tag("listener", listener), Tag("destination", Destinations.Local));
        if (relayedRecipients > 0)
        {
            MessagesAccepted.Add(1, Tag("node", node), Tag("listener", listener), Tag("destination", Destinations.Relayed));
            RelayedRecipients.Add(relayedRecipients, Tag("node", node), Tag("listener", listener), Tag("mechanism", relayMechanism ?? "unknown"));
        }
    }

    /// <summary>For outbound delivery: one attempt to hand a recipient on, with its result (one of <see cref="DeliveryResults"/>).</summary>
    public static void DeliveryAttempted(string node, string result) =>
        DeliveryAttempts.Add(1, Tag("node", node), Tag("result", result));

    /// <summary>
    /// Registers the node's gauges: <paramref name="grants"/> and <paramref name="queue"/> are read at every export,
    /// so they must answer at once from what the node last learned (null: not known yet, nothing exported).
    /// Also exports the connection counters of each of <paramref name="listeners"/> and the delivery-attempt counter
    /// for each result at 0, so that they are there before the first connection or attempt.
    /// Dispose to stop exporting the node's gauges.
    /// </summary>
    public static IDisposable Observe(string node, IEnumerable<string> listeners, Func<long?> grants, Func<QueueCounts?> queue)
    {
        var gauges = new NodeGauges(grants, queue);
        Nodes[node] = gauges;
        foreach (var listener in listeners)
        {
            OpenConnections.Add(0, Tag("node", node), Tag("listener", listener));
            AcceptedConnections.Add(0, Tag("node", node), Tag("listener", listener));
        }
        foreach (var result in new[] { DeliveryResults.Delivered, DeliveryResults.Deferred, DeliveryResults.Failed })
            DeliveryAttempts.Add(0, Tag("node", node), Tag("result", result));
        return new Registration(() => Nodes.TryRemove(new KeyValuePair<string, NodeGauges>(node, gauges)));
    }

    private static KeyValuePair<string, object?> Tag(string key, string value) => new(key, value);

    private sealed record NodeGauges(Func<long?> Grants, Func<QueueCounts?> Queue);

    private sealed class Registration(Action remove) : IDisposable
    {
        public void Dispose() => remove();
    }
}
