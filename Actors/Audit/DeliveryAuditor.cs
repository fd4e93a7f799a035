using Akka.Actor;
using MailActors.Delivery;
using MailActors.Observability;

namespace MailActors.Audit;

/// <summary>
/// Puts this node's delivery outcomes in its audit stream: each relayed message delivered or bounced, per recipient
/// (docs/spec.md §8, 10). Deferrals are only logged: the final outcome is the fact an auditor asks about. Every attempt's
/// result is counted for <c>/metrics</c> (<c>mailactors_delivery_attempts</c>).
/// </summary>
public sealed class DeliveryAuditor : ReceiveActor
{
    public DeliveryAuditor(IActorRef audit)
    {
        Receive<DeliveryEvents.MessageDelivered>(d =>
        {
            MailMetrics.DeliveryAttempted(d.Node, MailMetrics.DeliveryResults.Delivered);
            audit.Tell(new RelayDelivered(d.QueueId, d.MessageId, d.Recipient, d.DestinationHost, d.Reply, d.Attempts, d.Node, d.Utc));
        });
        Receive<DeliveryEvents.MessageBounced>(b =>
        {
            MailMetrics.DeliveryAttempted(b.Node, MailMetrics.DeliveryResults.Failed);
            audit.Tell(new RelayBounced(b.QueueId, b.MessageId, b.Recipient, b.DestinationHost, b.Reply, b.Status, b.Attempts, b.Bounce, b.Node, b.Utc));
        });
        Receive<DeliveryEvents.DeliveryDeferred>(d => MailMetrics.DeliveryAttempted(d.Node, MailMetrics.DeliveryResults.Deferred));
    }

    protected override void PreStart()
    {
        Context.System.EventStream.Subscribe(Self, typeof(DeliveryEvents.MessageDelivered));
        Context.System.EventStream.Subscribe(Self, typeof(DeliveryEvents.MessageBounced));
        Context.System.EventStream.Subscribe(Self, typeof(DeliveryEvents.DeliveryDeferred));
    }

    public static Props Props(IActorRef audit) => Akka.Actor.Props.Create(() => new DeliveryAuditor(audit));
}
