using System.Net;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using MailActors.Grants;
using MailActors.Host.Configuration;
using MailActors.Host.Server;
using MailActors.Storage;
using MailActors.Tests.Support;

namespace MailActors.Tests.Storage;

/// <summary>
/// Akka.Persistence.Sql on PostgreSQL as the server configures it (tables from our migration, auto-initialisation
/// off): the journal through the real grant ledger, the snapshot store, and the read journal by tag.
/// </summary>
[Trait("Category", "Slow")]
public sealed class PostgresPersistenceTests : IAsyncLifetime
{
    private string _database = null!;
    private ActorSystem _system = null!;

    public async Task InitializeAsync()
    {
        _database = await PostgresServer.CreateDatabaseAsync();
        var config = ConfigLoader.Load([], null, ConfigLoader.EmbeddedText("hocon/test.conf"),
            $$"""mailactors.storage { provider = "postgresql", connection-string = "{{_database}}" }""");
        MailServices.EnsureSchema(config.Settings);
        _system = ActorSystem.Create("mailactors", ConfigurationFactory.ParseString("akka.actor.provider = local")
            .WithFallback(PersistenceConfig.For(config.Settings)).WithFallback(config.Root));
    }

    public async Task DisposeAsync()
    {
        await _system.Terminate();
        await PostgresServer.DropDatabaseAsync(_database);
    }

    private IActorRef Ledger(string name) => _system.ActorOf(GrantLedgerActor.Props(TimeSpan.FromMinutes(5), 64, "test-node"), name);

    [Fact]
    public async Task Grant_events_are_journaled_recovered_and_read_back_by_tag()
    {
        var ledger = Ledger("ledger-1");
        for (var i = 1; i <= 3; i++)
            await ledger.Ask<GrantLedgerProtocol.Earned>(
                new GrantLedgerProtocol.Earn($"198.51.100.{i}", "alice", "pop3s", "USER", "test-node", DateTime.UtcNow), TimeSpan.FromSeconds(10));
        await ledger.GracefulStop(TimeSpan.FromSeconds(10));

        var recovered = await Ledger("ledger-2").Ask<GrantLedgerProtocol.Live>(GrantLedgerProtocol.List.Instance, TimeSpan.FromSeconds(10));
        Assert.Equal(["198.51.100.1", "198.51.100.2", "198.51.100.3"], recovered.Grants.Select(g => g.Key).Order());

        var queries = PersistenceQuery.Get(_system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        var tagged = await queries.CurrentEventsByTag("grant", Offset.NoOffset())
            .RunAggregate(new List<EventEnvelope>(), (list, e) => { list.Add(e); return list; }, _system.Materializer());
        Assert.Equal(3, tagged.Count);
        Assert.Equal([1L, 2L, 3L], tagged.Select(e => e.SequenceNr));
        Assert.All(tagged, e => Assert.Contains("grant", e.Tags));
    }

    [Fact]
    public async Task A_ledger_snapshot_is_saved_and_loaded_back()
    {
        var store = Persistence.Instance.Apply(_system).SnapshotStoreFor(null);
        var grant = new Grant("203.0.113.7", "203.0.113.7", "alice", "apop", "APOP", "test-node", DateTime.UtcNow, DateTime.UtcNow.AddMinutes(5));
        var saved = await store.Ask<object>(new SaveSnapshot(new SnapshotMetadata("pg-snapshot-test", 7, DateTime.UtcNow), new GrantLedgerSnapshot([grant])), TimeSpan.FromSeconds(10));
        Assert.IsType<SaveSnapshotSuccess>(saved);

        var loaded = await store.Ask<LoadSnapshotResult>(new LoadSnapshot("pg-snapshot-test", SnapshotSelectionCriteria.Latest, long.MaxValue), TimeSpan.FromSeconds(10));
        Assert.Equal(7, loaded.Snapshot!.Metadata.SequenceNr);
        Assert.Equal(grant, Assert.Single(Assert.IsType<GrantLedgerSnapshot>(loaded.Snapshot.Snapshot).Grants));
    }
}
