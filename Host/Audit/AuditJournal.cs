using Akka.Actor;
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
/// Reads every audit stream (the grant ledger's and each node's) from the database through Akka.Persistence.Query,
/// with no cluster running (SPEC 8). A row that cannot be deserialized is reported in its place, and reading goes
/// on after it, so that <c>--verify</c> can name it.
/// </summary>
public sealed class AuditJournal : IAsyncDisposable
{
    private readonly ActorSystem _system;
    private readonly SqlReadJournal _journal;
    private readonly IMaterializer _materializer;

    private AuditJournal(ActorSystem system)
    {
        _system = system;
        _journal = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        _materializer = system.Materializer();
    }

    public static AuditJournal Open(LoadedConfig config) => new(OfflineJournal.Start(config));

    public static bool IsAuditStream(string persistenceId) =>
        persistenceId == GrantLedgerActor.Id || persistenceId.StartsWith(AuditWriter.StreamPrefix, StringComparison.Ordinal);

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
            try
            {
                await _journal.CurrentEventsByPersistenceId(stream, from, long.MaxValue)
                    .RunForeach(e =>
                    {
                        entries.Add(e.Event is Chained link
                            ? new AuditEntry(stream, e.SequenceNr, link)
                            : new AuditEntry(stream, e.SequenceNr, null, $"not a chained fact ({e.Event.GetType().Name})"));
                        from = e.SequenceNr + 1;
                        failures = 0;
                    }, _materializer);
                return entries;
            }
            catch (Exception e)
            {
                // The row after the last one read could not be deserialized: note it, and read on past it.
                var reason = (e.InnerException ?? e).Message.Split('\n')[0];
                if (++failures > MaxUnreadableInARow)
                {
                    entries.Add(new AuditEntry(stream, from, null, $"reading stopped after {MaxUnreadableInARow} unreadable rows: {reason}"));
                    return entries;
                }
                entries.Add(new AuditEntry(stream, from, null, reason));
                from++;
            }
        }
    }

    private const int MaxUnreadableInARow = 3;

    public async ValueTask DisposeAsync() => await _system.Terminate();
}
