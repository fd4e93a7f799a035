using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using MailActors.Configuration;
using MailActors.Grants;
using MailActors.Host.Configuration;
using MailActors.Host.Server;
using MailActors.Tests.Support;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace MailActors.Tests.Storage;

/// <summary>
/// docs/spec.md §8: facts are tagged for queries. The journal keeps the tags in each fact's row; a journal an earlier
/// release wrote, with a row per tag in a <c>tags</c> table, is migrated at start: its facts are found by tag and
/// replayed as the new ones are, on SQLite and on PostgreSQL.
/// </summary>
[Trait("Category", "Slow")]
public sealed class JournalTagsUpgradeTests
{
    /// <summary>
    /// The plugin as earlier releases ran it: a row per tag in a tags table. Its own auto-initialisation creates the
    /// tables (on PostgreSQL, the same tables as our earlier migration: PostgresSchemaTests compared them).
    /// </summary>
    private static readonly Config EarlierRelease = ConfigurationFactory.ParseString("""
        akka.persistence.journal.sql { tag-write-mode = TagTable, auto-initialize = on }
        akka.persistence.snapshot-store.sql.auto-initialize = on
        akka.persistence.query.journal.sql.tag-read-mode = TagTable
        """);

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task Facts_tagged_in_a_tags_table_by_an_earlier_release_are_found_by_tag_and_replayed_after_the_upgrade(StorageProvider provider)
    {
        var (config, database) = await FreshDatabaseAsync(provider);
        try
        {
            await EarnAsync(config, EarlierRelease, "198.51.100.1", "198.51.100.2");

            Upgrade(config.Settings);
            Assert.False(await TagsTableExistsAsync(config.Settings), "the tags table is gone once its rows are in the journal");

            var system = System(config, ConfigurationFactory.Empty);
            try
            {
                var ledger = system.ActorOf(GrantLedgerActor.Props(TimeSpan.FromMinutes(5), 64, "test-node"), "ledger");
                var replayed = await ledger.Ask<GrantLedgerProtocol.Live>(GrantLedgerProtocol.List.Instance, TimeSpan.FromSeconds(10));
                Assert.Equal(["198.51.100.1", "198.51.100.2"], replayed.Grants.Select(g => g.Key).Order());
                await ledger.Ask<GrantLedgerProtocol.Earned>(Earn("198.51.100.3"), TimeSpan.FromSeconds(10));

                var grants = await TaggedAsync(system, GrantLedgerActor.Tag);
                Assert.Equal([1L, 2L, 3L], grants.Select(e => e.SequenceNr));
                Assert.All(grants, e => Assert.Equal(["grant", "grant-issued"], e.Tags.Order()));
                Assert.Equal(3, (await TaggedAsync(system, "grant-issued")).Count);
                Assert.Empty(await TaggedAsync(system, "grant-issued-not"));
            }
            finally
            {
                await system.Terminate();
            }
        }
        finally
        {
            if (database is not null) await PostgresServer.DropDatabaseAsync(database);
        }
    }

    private static async Task<(LoadedConfig Config, string? Postgres)> FreshDatabaseAsync(StorageProvider provider)
    {
        if (provider == StorageProvider.Sqlite)
        {
            var dir = Directory.CreateTempSubdirectory("mailactors-tags-").FullName;
            return (Load($"mailactors.data-dir = \"{dir}\""), null);
        }
        var database = await PostgresServer.CreateDatabaseAsync();
        return (Load($$"""mailactors.storage { provider = "postgresql", connection-string = "{{database}}" }"""), database);
    }

    private static LoadedConfig Load(string hocon) => ConfigLoader.Load([], null, ConfigLoader.EmbeddedText("hocon/test.conf"), hocon);

    /// <summary>What a node does at start, and an offline CLI command, before its actor system: migrate the schema.</summary>
    private static void Upgrade(MailActorsSettings settings) => MailServices.EnsureSchema(settings);

    private static ActorSystem System(LoadedConfig config, Config overrides) =>
        ActorSystem.Create("mailactors", overrides.WithFallback(ConfigurationFactory.ParseString("akka.actor.provider = local"))
            .WithFallback(PersistenceConfig.For(config.Settings)).WithFallback(config.Root));

    private static GrantLedgerProtocol.Earn Earn(string address) => new(address, "alice", "pop3s", "USER", "test-node", DateTime.UtcNow);

    private static async Task EarnAsync(LoadedConfig config, Config overrides, params string[] addresses)
    {
        var system = System(config, overrides);
        try
        {
            var ledger = system.ActorOf(GrantLedgerActor.Props(TimeSpan.FromMinutes(5), 64, "test-node"), "ledger");
            foreach (var address in addresses)
                await ledger.Ask<GrantLedgerProtocol.Earned>(Earn(address), TimeSpan.FromSeconds(10));
        }
        finally
        {
            await system.Terminate();
        }
    }

    private static Task<List<EventEnvelope>> TaggedAsync(ActorSystem system, string tag) =>
        PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier)
            .CurrentEventsByTag(tag, Offset.NoOffset())
            .RunAggregate(new List<EventEnvelope>(), (list, e) => { list.Add(e); return list; }, system.Materializer());

    private static async Task<bool> TagsTableExistsAsync(MailActorsSettings settings)
    {
        if (settings.Storage.Provider == StorageProvider.PostgreSql)
        {
            await using var pg = new NpgsqlConnection(settings.Storage.ConnectionString);
            await pg.OpenAsync();
            await using var cmd = new NpgsqlCommand("SELECT to_regclass('tags') IS NOT NULL", pg);
            return (bool)(await cmd.ExecuteScalarAsync())!;
        }
        await using var sqlite = new SqliteConnection($"Data Source={PersistenceConfig.SqliteDatabasePath(settings)};Pooling=false");
        await sqlite.OpenAsync();
        await using var query = sqlite.CreateCommand();
        query.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'tags'";
        return Convert.ToInt64(await query.ExecuteScalarAsync()) > 0;
    }
}
