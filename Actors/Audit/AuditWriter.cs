using Akka.Actor;
using Akka.Event;
using Akka.Pattern;
using Akka.Persistence;

namespace MailActors.Audit;

/// <summary>
/// One node's audit stream: sessions tell it their facts (docs/spec.md §8) and go on; it persists them in order,
/// hash-chained, and the journal batches concurrent writes. One stream per node incarnation, so no two writers
/// ever share a stream and nothing is replayed at start; <see cref="Record"/> is for a caller that must wait.
/// </summary>
public sealed class AuditWriter : ReceivePersistentActor
{
    public const string StreamPrefix = "audit-";
    private const int SnapshotEvery = 1000;

    private readonly string _stream;
    private readonly HashChain _chain = new();
    private string _durable = Chained.Genesis; // the hash of the last event the journal confirmed
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public override string PersistenceId => _stream;

    /// <summary>Persist the fact, then answer <see cref="Recorded"/>.</summary>
    public sealed record Record(IAuditFact Fact);

    public sealed class Recorded
    {
        public static readonly Recorded Instance = new();
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

        Command<IAuditFact>(fact => Persist(fact, () => { }));
        Command<Record>(r =>
        {
            var sender = Sender;
            Persist(r.Fact, () => sender.Tell(Recorded.Instance));
        });
        Command<StreamHead.Get>(_ => Sender.Tell(new StreamHead(_stream, LastSequenceNr, _durable, LastSequenceNr)));
        Command<SaveSnapshotSuccess>(_ => { });
        Command<SaveSnapshotFailure>(f => _log.Warning("audit stream {0}: snapshot failed: {1}", _stream, f.Cause.Message));
    }

    private void Persist(IAuditFact fact, Action done) =>
        PersistAsync(_chain.Link(fact), persisted =>
        {
            _durable = persisted.Hash;
            done();
            if (LastSequenceNr % SnapshotEvery == 0) SaveSnapshot(new AuditStreamSnapshot(persisted.Hash));
        });

    /// <summary>The stream of a node incarnation: its address and the cluster's unique id for this run.</summary>
    public static string StreamOf(string hostAndPort, long uid) => $"{StreamPrefix}{hostAndPort}-{uid}";

    /// <summary>The writer under a supervisor that restarts it (after a back-off) when the journal fails a write.</summary>
    public static Props SupervisedProps(string stream) =>
        BackoffSupervisor.Props(Backoff.OnStop(Props.Create(() => new AuditWriter(stream)), "writer",
            TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(5), 0.2, maxNrOfRetries: -1));
}

/// <summary>Where an audit stream's chain goes on from after its last snapshot.</summary>
public sealed record AuditStreamSnapshot(string LastHash);
