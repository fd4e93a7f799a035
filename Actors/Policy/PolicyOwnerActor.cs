using Akka.Actor;
using Akka.Event;
using Akka.Pattern;
using Akka.Persistence;
using MailActors.Audit;
using static MailActors.Policy.PolicyOwnerProtocol;

namespace MailActors.Policy;

/// <summary>
/// The policy actor of the design card (docs/spec.md §2): a persistent cluster singleton that owns the live policy. On its
/// first start it adopts its node's configuration; every change after that is a <see cref="PolicyChanged"/> event,
/// hash-chained (<see cref="Chained"/>) in its own audit stream, so a full-cluster restart keeps the live policy. Each
/// version is written to every node's replica (<see cref="PolicyReplication"/>) before the caller is answered; sessions
/// never ask this actor (<see cref="PolicyActor"/> classifies locally), so a failover holds up no one.
/// </summary>
public sealed class PolicyOwnerActor : ReceivePersistentActor
{
    public const string Id = "policy";

    private readonly string _node;
    private readonly IActorRef? _replicator;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly HashChain _chain = new();
    private PolicyState _state = PolicyState.Empty;

    public override string PersistenceId => Id;

    /// <summary>The replicas have the version (or the write timed out: gossip carries it on): carry on.</summary>
    private sealed record Replicated(Action Done);

    /// <param name="configured">this node's configuration, adopted only if no policy was ever persisted; null: never adopt (a reader).</param>
    /// <param name="replicator">this node's DistributedData replicator; null where there is no cluster.</param>
    public PolicyOwnerActor(LivePolicy? configured, string node, IActorRef? replicator = null)
    {
        _node = node;
        _replicator = replicator;

        Recover<Chained>(c =>
        {
            _state = _state.Apply((PolicyChanged)c.Fact);
            _chain.ResumeAfter(c.Hash);
        });
        Recover<RecoveryCompleted>(_ =>
        {
            if (configured is not null && _state.Adopt(configured, _node, DateTime.UtcNow) is { } adoption)
            {
                Record(adoption, () => _log.Info("Policy: adopted this node's configuration as version 1"));
                return;
            }
            if (_state.Live is not { } live) return;
            _log.Info("Policy: recovered version {0}", live.Version);
            Replicate(live, () => { }); // a replica may have missed the last version while no singleton ran
        });

        Command<Get>(_ => Sender.Tell(new Current(_state.Live)));
        Command<Change>(change =>
        {
            var sender = Sender;
            if (change.Policy.Problems() is { Count: > 0 } problems)
            {
                sender.Tell(new Refused(problems));
                return;
            }
            var changed = _state.Change(change.Policy, change.By, change.Node, DateTime.UtcNow);
            if (changed is null)
            {
                sender.Tell(new Changed(_state.Live!, []));
                return;
            }
            Record(changed, () =>
            {
                _log.Info("Policy: version {0} by {1} through {2}: {3}", changed.Version, changed.By, changed.Node,
                    string.Join("; ", changed.Changes.Select(c => $"{c.Key} {c.From} -> {c.To}")));
                sender.Tell(new Changed(changed.Policy, changed.Changes));
            });
        });
        Command<Replicated>(r => r.Done());
        Command<Akka.DistributedData.IUpdateResponse>(_ => { });
    }

    public static Props Props(LivePolicy? configured, string node, IActorRef? replicator = null) =>
        Akka.Actor.Props.Create(() => new PolicyOwnerActor(configured, node, replicator));

    /// <summary>
    /// As the node runs it: under a back-off supervisor, as the grant ledger. A failed journal write stops the actor
    /// (Akka's rule for a persist failure), and it comes back, recovered from the journal; meanwhile changes time out.
    /// </summary>
    public static Props SupervisedProps(LivePolicy configured, string node, IActorRef? replicator) =>
        BackoffSupervisor.Props(Backoff.OnStop(Props(configured, node, replicator), "owner",
            TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5), 0.2, maxNrOfRetries: -1));

    /// <summary>Persists (commands wait meanwhile: changes are rare and ordered), applies, then replicates.</summary>
    private void Record(PolicyChanged changed, Action done) =>
        Persist(_chain.Link(changed), persisted =>
        {
            _state = _state.Apply((PolicyChanged)persisted.Fact);
            Replicate(_state.Live!, done);
        });

    private void Replicate(LivePolicy live, Action done)
    {
        if (_replicator is null)
        {
            done();
            return;
        }
        _replicator.Ask<Akka.DistributedData.IUpdateResponse>(PolicyReplication.Put(Akka.Cluster.Cluster.Get(Context.System), live), TimeSpan.FromSeconds(3))
            .ContinueWith(t =>
            {
                if (!t.IsCompletedSuccessfully || t.Result is not Akka.DistributedData.UpdateSuccess)
                    _log.Warning("policy version {0}: not every node confirmed it in time; gossip carries it on", live.Version);
                return new Replicated(done);
            })
            .PipeTo(Self);
    }
}
