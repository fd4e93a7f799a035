using Akka.Actor;
using Akka.DistributedData;
using Akka.Event;

namespace MailActors.Policy;

/// <summary>
/// The policy actor on each node: keeps this node's <see cref="EnforcedPolicy"/> at the live policy of its replica
/// (docs/spec.md §2), from which sessions are classified without asking anyone, so they are classified while the
/// singleton moves; until the replica arrives the node enforces its own configuration.
/// </summary>
public sealed class PolicyActor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly EnforcedPolicy _enforced;
    private readonly IActorRef? _replicator;
    private bool _heardFromOwner;

    /// <param name="replicator">this node's DistributedData replicator; null without a cluster (then the configuration stays in force).</param>
    public PolicyActor(EnforcedPolicy enforced, IActorRef? replicator)
    {
        _enforced = enforced;
        _replicator = replicator;
        var configured = enforced.Policy;

        Receive<Changed>(changed =>
        {
            var live = changed.Get(PolicyReplication.Key).Value;
            if (!_heardFromOwner)
            {
                _heardFromOwner = true;
                var differ = configured.ChangesTo(live);
                if (differ.Count > 0)
                    _log.Warning("This node's configuration differs from the live policy (version {0}) in {1}; the live policy is enforced " +
                                 "(see `mailactors policy show`; `mailactors policy reload` applies a configuration)",
                        live.Version, string.Join(", ", differ.Select(d => d.Key)));
            }
            if (live.Version == _enforced.Policy.Version) return;
            _enforced.Enforce(live);
            _log.Info("Policy: enforcing version {0}", live.Version);
            Report();
        });
        Receive<IUpdateResponse>(_ => { });
    }

    public static Props Props(EnforcedPolicy enforced, IActorRef? replicator) =>
        Akka.Actor.Props.Create(() => new PolicyActor(enforced, replicator));

    protected override void PreStart()
    {
        _replicator?.Tell(Dsl.Subscribe(PolicyReplication.Key, Self));
        Report();
    }

    private void Report() =>
        _replicator?.Tell(PolicyReplication.Enforcing(Akka.Cluster.Cluster.Get(Context.System),
            new PolicyEnforced(_enforced.Policy.Version, DateTime.UtcNow)));
}
