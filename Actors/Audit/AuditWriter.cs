using Akka.Actor;
using Akka.Event;
using Akka.Pattern;
using Akka.Persistence;

namespace MailActors.Audit;

/// <summary>
/// One node's audit stream: sessions tell it their facts (docs/spec.md §8) and go on; it persists them in order,
/// hash-chained. One stream per node incarnation, so no two writers ever share a stream and nothing is replayed at start;
/// <see cref="Record"/> is for a caller that must wait.
/// Facts nobody waits for linger up to <see cref="Linger"/> and go to the journal together, as one write (the intake's
/// group commit, for the journal): at one SMTP session a message's local-delivery fact was a journal transaction of
/// its own, ~1 ms of server CPU per message (issue 16). A fact someone waits for takes the pending ones with it at once.
/// </summary>
public sealed class AuditWriter : ReceivePersistentActor, IWithTimers
{
    public const string StreamPrefix = "audit-";
    private const int SnapshotEvery = 1000;
    private static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(20);
    private const int MaxBatch = 500;

    private readonly string _stream;
    private readonly HashChain _chain = new();
    private string _durable = Chained.Genesis; // the hash of the last event the journal confirmed
    private readonly List<Chained> _pending = [];
    private readonly Queue<IActorRef?> _waiting = new(); // per event handed to the journal, in order: who waits for it
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public override string PersistenceId => _stream;
    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Persist the fact, then answer <see cref="Recorded"/>.</summary>
    public sealed record Record(IAuditFact Fact);

    public sealed class Recorded
    {
        public static readonly Recorded Instance = new();
    }

    private sealed class FlushPending
    {
        public static readonly FlushPending Instance = new();
    }

    public AuditWriter(string stream)
    {
        _stream = stream;
        // Only after a restart (a failed write): the stream goes on from its last stored link.
        Recover<SnapshotOffer>(offer =>
        {
            if (offer.Snapshot is AuditStreamSnapshot s) _chain.ResumeAfter(_durable = s.LastHash);
        });
        Recover<Chained>(c => _chain.ResumeAfter(_durable = c.Hash));

        Command<IAuditFact>(fact => Add(fact, null));
        Command<Record>(r =>
        {
            Add(r.Fact, Sender);
            Flush();
        });
        Command<FlushPending>(_ => Flush());
        // A checkpoint covers what was recorded before it asked: the pending facts are written first.
        Command<StreamHead.Get>(_ =>
        {
            Flush();
            var sender = Sender;
            DeferAsync(_stream, _ => sender.Tell(new StreamHead(_stream, LastSequenceNr, _durable, LastSequenceNr)));
        });
        Command<SaveSnapshotSuccess>(_ => { });
        Command<SaveSnapshotFailure>(f => _log.Warning("audit stream {0}: snapshot failed: {1}", _stream, f.Cause.Message));
    }

    private void Add(IAuditFact fact, IActorRef? waiter)
    {
        _pending.Add(_chain.Link(fact));
        _waiting.Enqueue(waiter);
        if (_pending.Count >= MaxBatch) Flush();
        else if (_pending.Count == 1) Timers.StartSingleTimer(nameof(FlushPending), FlushPending.Instance, Linger);
    }

    private void Flush()
    {
        if (_pending.Count == 0) return;
        Timers.Cancel(nameof(FlushPending));
        var batch = _pending.ToArray();
        _pending.Clear();
        PersistAllAsync(batch, persisted =>
        {
            _durable = persisted.Hash;
            _waiting.Dequeue()?.Tell(Recorded.Instance);
            if (LastSequenceNr % SnapshotEvery == 0) SaveSnapshot(new AuditStreamSnapshot(persisted.Hash));
        });
    }

    /// <summary>The stream of a node incarnation: its address and the cluster's unique id for this run.</summary>
    public static string StreamOf(string hostAndPort, long uid) => $"{StreamPrefix}{hostAndPort}-{uid}";

    /// <summary>The writer under a supervisor that restarts it (after a back-off) when the journal fails a write.</summary>
    public static Props SupervisedProps(string stream) =>
        BackoffSupervisor.Props(Backoff.OnStop(Props.Create(() => new AuditWriter(stream)), "writer",
            TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5), 0.2, maxNrOfRetries: -1));
}

/// <summary>Where an audit stream's chain goes on from after its last snapshot.</summary>
public sealed record AuditStreamSnapshot(string LastHash);
