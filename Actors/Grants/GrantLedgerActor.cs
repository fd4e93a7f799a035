using System.Collections.Immutable;
using System.Net;
using Akka.Actor;
using Akka.DistributedData;
using Akka.Event;
using Akka.Pattern;
using Akka.Persistence;
using MailActors.Audit;
using static MailActors.Grants.GrantLedgerProtocol;

namespace MailActors.Grants;

/// <summary>
/// The POP-before-SMTP grant ledger (docs/spec.md §7): an event-sourced actor, run as a cluster singleton.
/// Answers come after the event is persisted, so a POP client told +OK can send at once on any node.
/// A sweep persists <see cref="GrantExpired"/> for what ran out; a check never relies on it.
/// Its journal is an audit stream: every event is <see cref="Chained"/> to its predecessor. The live grants are
/// replicated to every node (<see cref="GrantReplication"/>) before a caller is answered.
/// </summary>
public sealed class GrantLedgerActor : ReceivePersistentActor, IWithTimers
{
    public const string Id = "grant-ledger";
    public const string Tag = "grant";
    private const int SnapshotEvery = 1000;
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);

    private readonly Func<GrantTerms> _terms;
    private readonly string _node;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private GrantLedgerState _state = GrantLedgerState.Empty;
    private readonly HashSet<string> _expiring = [];
    private readonly HashChain _chain = new();
    private string _durable = Chained.Genesis; // the hash of the last event the journal confirmed
    private readonly IActorRef? _replicator;

    public override string PersistenceId => Id;
    public ITimerScheduler Timers { get; set; } = null!;

    private sealed class Sweep
    {
        public static readonly Sweep Instance = new();
    }

    /// <summary>The replicas have the change (or the write timed out: gossip carries it on): carry on.</summary>
    private sealed record Replicated(Action Done);

    /// <param name="replicator">this node's DistributedData replicator; null where there is no cluster (the offline CLI).</param>
    /// <param name="terms">the window and IPv6 prefix in force now (the live policy: docs/spec.md §2), read at each command.</param>
    public GrantLedgerActor(Func<GrantTerms> terms, string node, IActorRef? replicator = null)
    {
        _terms = terms;
        _node = node;
        _replicator = replicator;

        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is not GrantLedgerSnapshot snapshot) return;
            _state = new GrantLedgerState(snapshot.Grants.ToImmutableDictionary(g => g.Key));
            if (snapshot.LastHash is { } hash) _chain.ResumeAfter(_durable = hash);
        });
        Recover<Chained>(c =>
        {
            _state = _state.Apply((IGrantEvent)c.Fact);
            _chain.ResumeAfter(_durable = c.Hash);
        });
        Recover<RecoveryCompleted>(_ =>
        {
            _log.Info("Grant ledger recovered: {0} grants held", _state.Grants.Count);
            _replicator?.Tell(GrantReplication.Reconcile(Akka.Cluster.Cluster.Get(Context.System), _state.LiveAt(DateTime.UtcNow)));
            Timers.StartPeriodicTimer("sweep", Sweep.Instance, SweepInterval);
            Self.Tell(Sweep.Instance);
        });

        Command<Check>(c => Sender.Tell(new CheckResult(_state.ValidAt(GrantKey.Of(IPAddress.Parse(c.Address), _terms().Ipv6Prefix), DateTime.UtcNow))));
        Command<List>(_ => Sender.Tell(new Live(_state.LiveAt(DateTime.UtcNow))));
        Command<Earn>(e =>
        {
            var terms = _terms();
            var key = GrantKey.Of(IPAddress.Parse(e.Address), terms.Ipv6Prefix);
            var evt = _state.Earn(key, e.Address, e.Account, e.Listener, e.Mechanism, e.Node, e.At, terms.Window);
            var sender = Sender;
            Record(evt, () => sender.Tell(new Earned(_state.Grants[key])));
        });
        Command<RevokeKey>(r => Revoke(_state.Grants.Values.Where(g => g.Key == r.Key), r.Reason));
        Command<RevokeAddress>(r => Revoke(_state.Grants.Values.Where(g => g.Key == GrantKey.Of(IPAddress.Parse(r.Address), _terms().Ipv6Prefix)), r.Reason));
        Command<RevokeAccount>(r => Revoke(_state.OfAccount(r.Account), r.Reason));
        Command<Sweep>(_ => ExpireDue());
        Command<Replicated>(r => r.Done());
        Command<IUpdateResponse>(_ => { });
        Command<StreamHead.Get>(_ => Sender.Tell(new StreamHead(Id, LastSequenceNr, _durable, LastSequenceNr)));
        Command<SaveSnapshotSuccess>(_ => { });
        Command<SaveSnapshotFailure>(f => _log.Warning("Grant ledger snapshot failed: {0}", f.Cause.Message));
    }

    /// <summary>Fixed terms (the offline CLI, tests).</summary>
    public static Props Props(TimeSpan window, int ipv6Prefix, string node, IActorRef? replicator = null) =>
        Props(() => new GrantTerms(window, ipv6Prefix), node, replicator);

    public static Props Props(Func<GrantTerms> terms, string node, IActorRef? replicator = null) =>
        Akka.Actor.Props.Create(() => new GrantLedgerActor(terms, node, replicator));

    /// <summary>
    /// The ledger under a back-off supervisor, as the singleton runs it: a journal write that fails stops the ledger
    /// (Akka's rule for a persist failure), and it comes back, recovered from the journal, after 0.2 s to 5 s.
    /// Meanwhile asks time out, and sessions fail closed (451, no grant).
    /// </summary>
    public static Props SupervisedProps(TimeSpan window, int ipv6Prefix, string node, IActorRef? replicator = null) =>
        SupervisedProps(() => new GrantTerms(window, ipv6Prefix), node, replicator);

    public static Props SupervisedProps(Func<GrantTerms> terms, string node, IActorRef? replicator = null) =>
        BackoffSupervisor.Props(Backoff.OnStop(Props(terms, node, replicator), "ledger",
            TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5), 0.2, maxNrOfRetries: -1));

    private void Revoke(IEnumerable<Grant> grants, string reason)
    {
        var now = DateTime.UtcNow;
        // A grant past its window is expired, not revoked: the sweep records that.
        var revoked = grants.Where(g => g.IsValidAt(now)).ToList();
        var sender = Sender;
        if (revoked.Count == 0)
        {
            sender.Tell(new Revoked([]));
            return;
        }
        var events = revoked.Select(g => new GrantRevoked(g.Key, g.Account, reason, _node, now)).ToList();
        var left = events.Count;
        foreach (var e in events)
            Record(e, () => { if (--left == 0) sender.Tell(new Revoked(revoked)); });
    }

    private void ExpireDue()
    {
        var now = DateTime.UtcNow;
        foreach (var grant in _state.ExpiredAt(now).ToList())
        {
            if (!_expiring.Add(grant.Key)) continue;
            var key = grant.Key;
            Record(new GrantExpired(grant.Key, grant.Account, _node, grant.ExpiresAt), () => _expiring.Remove(key));
        }
    }

    /// <summary>
    /// Persists without holding up other commands (the journal batches concurrent writes); the state changes
    /// when the write is done, which is when the caller is answered.
    /// </summary>
    private void Record(IGrantEvent e, Action done)
    {
        PersistAsync(_chain.Link(e), persisted =>
        {
            _durable = persisted.Hash;
            var fact = (IGrantEvent)persisted.Fact;
            _state = _state.Apply(fact);
            if (LastSequenceNr % SnapshotEvery == 0) SaveSnapshot(new GrantLedgerSnapshot(_state.Grants.Values.ToList(), persisted.Hash));
            Replicate(fact, done);
        });
    }

    private void Replicate(IGrantEvent e, Action done)
    {
        var cluster = _replicator is null ? null : Akka.Cluster.Cluster.Get(Context.System);
        var update = cluster is null ? null : e switch
        {
            GrantIssued or GrantRenewed => GrantReplication.Put(cluster, _state.Grants[e.Key]),
            GrantRevoked => GrantReplication.Remove(cluster, e.Key, GrantReplication.ToEveryNode),
            // lookups check the expiry themselves: the removal only tidies up, and never takes a renewed grant
            GrantExpired when !_state.Grants.ContainsKey(e.Key) => GrantReplication.Remove(cluster, e.Key, WriteLocal.Instance),
            _ => null,
        };
        if (update is null)
        {
            done();
            return;
        }
        _replicator!.Ask<IUpdateResponse>(update, TimeSpan.FromSeconds(3))
            .ContinueWith(t =>
            {
                if (t.IsCompletedSuccessfully && t.Result is not UpdateSuccess)
                    _log.Warning("grant {0}: not every node confirmed the change in time ({1}); gossip carries it on", e.Key, t.Result.GetType().Name);
                return new Replicated(done);
            })
            .PipeTo(Self);
    }
}
