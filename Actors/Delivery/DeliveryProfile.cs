using MailActors.Configuration;
using MailActors.Storage;

namespace MailActors.Delivery;

/// <summary>
/// What the delivery actors of one node work with. <c>Owner</c> names this node's incarnation in queue leases (the node
/// address plus a random suffix, so that a restarted node on the same address never mistakes a dead run's leases for
/// its own); <c>Node</c> is the cluster address, as events name it.
/// </summary>
public sealed record DeliveryProfile(MailActorsSettings Settings, IOutboundQueue Queue, MxRouter Router, DeliveryRunner Runner, string Node, string Owner)
{
    public static DeliveryProfile Create(MailActorsSettings settings, IOutboundQueue queue, IAccountStore accounts, IMxResolver resolver, string node)
    {
        var router = new MxRouter(settings.Relay, resolver);
        var runner = new DeliveryRunner(settings, queue, accounts, router, new RetrySchedule(settings.Relay.RetrySchedule, settings.Relay.GiveUpAfter));
        return new DeliveryProfile(settings, queue, router, runner, node, $"{node}#{Guid.NewGuid().ToString("N")[..8]}");
    }
}
