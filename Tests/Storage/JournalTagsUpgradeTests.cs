using System.Data.Common;
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
/// replayed as the new ones are, on SQLite and on PostgreSQL. During a rolling upgrade (§9) a node of the earlier
/// release still writes to that table: its writes succeed, and its tags move into the journal at the next start.
/// </summary>
[Trait("Category", "Slow")]
public sealed class JournalTagsUpgradeTests
{
    /// <summary>
    /// The plugin as earlier releases ran it: a row per tag in a tags table. The first one creates the tables with the
    /// plugin's own auto-initialisation (on PostgreSQL the same tables as our earlier migration: PostgresSchemaTests
    /// compared them); a node of the earlier release in a cluster found them made, with the plugin's creation off.
    /// </summary>
    private static Config EarlierRelease(bool createsTables) => ConfigurationFactory.ParseString($$"""
        akka.persistence.journal.sql { tag-write-mode = TagTable, auto-initialize = {{(createsTables ? "on" : "off")}} }
        akka.persistence.snapshot-store.sql.auto-initialize = {{(createsTables ? "on" : "off")}}
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
            await EarnAsync(config, EarlierRelease(createsTables: true), "198.51.100.1", "198.51.100.2");

            Upgrade(config.Settings);
            Assert.Equal(0, await TagRowsAsync(config.Settings));

            // A node of the earlier release, still running during the roll, goes on writing.
            await EarnAsync(config, EarlierRelease(createsTables: provider == StorageProvider.Sqlite), "198.51.100.3");
            Assert.Equal(2, await TagRowsAsync(config.Settings));
            await EarnAsync(config, ConfigurationFactory.Empty, "198.51.100.4");

            Upgrade(config.Settings); // the next start of a node of this release
            Assert.Equal(0, await TagRowsAsync(config.Settings));

            var system = System(config, ConfigurationFactory.Empty);
            try
            {
                var ledger = system.ActorOf(GrantLedgerActor.Props(TimeSpan.FromMinutes(5), 64, "test-node"), "ledger");
                var replayed = await ledger.Ask<GrantLedgerProtocol.Live>(GrantLedgerProtocol.List.Instance, TimeSpan.FromSeconds(10));
                Assert.Equal(["198.51.100.1", "198.51.100.2", "198.51.100.3", "198.51.100.4"], replayed.Grants.Select(g => g.Key).Order());

                var grants = await TaggedAsync(system, GrantLedgerActor.Tag);
                Assert.Equal([1L, 2L, 3L, 4L], grants.Select(e => e.SequenceNr));
                Assert.All(grants, e => Assert.Equal(["grant", "grant-issued"], e.Tags.Order()));
                Assert.Equal(4, (await TaggedAsync(system, "grant-issued")).Count);
                // a tag is matched whole, never as a part of another
                Assert.Empty(await TaggedAsync(system, "grant-issue"));
                Assert.Empty(await TaggedAsync(system, "issued"));
                Assert.Empty(await TaggedAsync(system, "rant"));
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

    /// <summary>The rows left in the earlier release's tags table, which stays.</summary>
    private static async Task<long> TagRowsAsync(MailActorsSettings settings)
    {
        await using DbConnection db = settings.Storage.Provider == StorageProvider.PostgreSql
            ? new NpgsqlConnection(settings.Storage.ConnectionString)
            : new SqliteConnection($"Data Source={PersistenceConfig.SqliteDatabasePath(settings)};Pooling=false");
        await db.OpenAsync();
        await using var count = db.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM tags";
        return Convert.ToInt64(await count.ExecuteScalarAsync());
    }
}
