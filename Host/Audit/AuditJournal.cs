using Akka.Actor;
using Akka.Persistence;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using MailActors.Audit;
using MailActors.Grants;
using MailActors.Host.Admin;
using MailActors.Host.Configuration;

namespace MailActors.Host.Audit;

/// <summary>
/// Reads every audit stream (the grant ledger's and each node's) from the database with no cluster running (docs/spec.md §8):
/// the streams are listed by Akka.Persistence.Query (SqlReadJournal), and each is read through the journal plugin. A row that cannot be deserialized is reported in its place, and reading goes
/// on after it, so that <c>--verify</c> can name it.
/// </summary>
public sealed class AuditJournal : IAsyncDisposable
{
    private readonly ActorSystem _system;
    private readonly SqlReadJournal _journal;
    private readonly IMaterializer _materializer;
    private readonly bool _ownsSystem;

    private AuditJournal(ActorSystem system, bool ownsSystem)
    {
        _system = system;
        _ownsSystem = ownsSystem;
        _journal = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        _materializer = system.Materializer();
    }

    public static AuditJournal Open(LoadedConfig config) => new(OfflineJournal.Start(config), ownsSystem: true);

    /// <summary>The journal as a running node reads it, through its own actor system (which it leaves running).</summary>
    public static AuditJournal On(ActorSystem system) => new(system, ownsSystem: false);

    public static bool IsAuditStream(string persistenceId) =>
        persistenceId == GrantLedgerActor.Id || persistenceId == Policy.PolicyOwnerActor.Id || persistenceId.StartsWith(AuditWriter.StreamPrefix, StringComparison.Ordinal);

    public async Task<IReadOnlyList<string>> StreamsAsync() =>
        (await _journal.CurrentPersistenceIds().RunWith(Sink.Seq<string>(), _materializer))
        .Where(IsAuditStream).Order(StringComparer.Ordinal).ToList();

    public async Task<IReadOnlyList<AuditEntry>> ReadAsync(string stream)
    {
        var entries = new List<AuditEntry>();
        var from = 1L;
        var failures = 0;
        while (true)
        {
            var replay = await ReplayAsync(stream, from);
            foreach (var (sequenceNr, payload) in replay.Events)
            {
                entries.Add(payload is Chained link
                    ? new AuditEntry(stream, sequenceNr, link)
                    : new AuditEntry(stream, sequenceNr, null, $"not a chained fact ({payload.GetType().Name})"));
                from = sequenceNr + 1;
                failures = 0;
            }
            if (replay.Failure is null) return entries;

            // The row after the last one read could not be deserialized: note it, and read on past it.
            var reason = (replay.Failure.InnerException ?? replay.Failure).Message.Split('\n')[0];
            if (++failures > MaxUnreadableInARow)
            {
                entries.Add(new AuditEntry(stream, from, null, $"reading stopped after {MaxUnreadableInARow} unreadable rows: {reason}"));
                return entries;
            }
            entries.Add(new AuditEntry(stream, from, null, reason));
            from++;
        }
    }

    /// <summary>
    /// One stream's events, read the way recovery reads them (the journal's replay). SqlReadJournal's own
    /// by-persistence-id query joins every row to its tags with a correlated aggregate that linq2db turns into a
    /// scan of the whole tags table per row, which made 100k events take over ten minutes.
    /// </summary>
    private Task<StreamReplay> ReplayAsync(string stream, long from)
    {
        var done = new TaskCompletionSource<StreamReplay>(TaskCreationOptions.RunContinuationsAsynchronously);
        _system.ActorOf(Props.Create(() => new ReplayCollector(stream, from, done)));
        return done.Task;
    }

    private sealed record StreamReplay(List<(long SequenceNr, object Payload)> Events, Exception? Failure);

    private sealed class ReplayCollector : ReceiveActor
    {
        private readonly List<(long, object)> _events = [];

        public ReplayCollector(string stream, long from, TaskCompletionSource<StreamReplay> done)
        {
            Receive<ReplayedMessage>(m => _events.Add((m.Persistent.SequenceNr, m.Persistent.Payload)));
            Receive<RecoverySuccess>(_ => Finish(done, null));
            Receive<ReplayMessagesFailure>(f => Finish(done, f.Cause));
            Akka.Persistence.Persistence.Instance.Apply(Context.System).JournalFor(null)
                .Tell(new ReplayMessages(from, long.MaxValue, long.MaxValue, stream, Self));
        }

        private void Finish(TaskCompletionSource<StreamReplay> done, Exception? failure)
        {
            done.TrySetResult(new StreamReplay(_events, failure));
            Context.Stop(Self);
        }
    }

    private const int MaxUnreadableInARow = 3;

    public async ValueTask DisposeAsync()
    {
        if (_ownsSystem) await _system.Terminate();
    }
}
