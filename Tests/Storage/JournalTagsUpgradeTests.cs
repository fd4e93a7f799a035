using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using MailActors.Configuration;
using MailActors.Grants;
using MailActors.Host.Server;
using MailActors.Tests.Support;

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
        await using var db = await JournalDatabase.CreateAsync(provider, withSchema: false);
        const string tagRows = "SELECT COUNT(*) FROM tags";
        await EarnAsync(db, EarlierRelease(createsTables: true), "198.51.100.1", "198.51.100.2");

        MailServices.EnsureSchema(db.Settings); // what a node of this release does at start, and an offline CLI command
        Assert.Equal(0, await db.CountAsync(tagRows));

        // A node of the earlier release, still running during the roll, goes on writing.
        await EarnAsync(db, EarlierRelease(createsTables: provider == StorageProvider.Sqlite), "198.51.100.3");
        Assert.Equal(2, await db.CountAsync(tagRows));
        await EarnAsync(db, ConfigurationFactory.Empty, "198.51.100.4");

        MailServices.EnsureSchema(db.Settings); // the next start of a node of this release
        Assert.Equal(0, await db.CountAsync(tagRows));

        var system = db.StartSystem();
        try
        {
            var replayed = await Ledger(system).Ask<GrantLedgerProtocol.Live>(GrantLedgerProtocol.List.Instance, TimeSpan.FromSeconds(10));
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

    private static IActorRef Ledger(ActorSystem system) =>
        system.ActorOf(GrantLedgerActor.Props(TimeSpan.FromMinutes(5), 64, "test-node"), "ledger");

    private static async Task EarnAsync(JournalDatabase db, Config overrides, params string[] addresses)
    {
        var system = db.StartSystem(overrides);
        try
        {
            var ledger = Ledger(system);
            foreach (var address in addresses)
                await ledger.Ask<GrantLedgerProtocol.Earned>(
                    new GrantLedgerProtocol.Earn(address, "alice", "pop3s", "USER", "test-node", DateTime.UtcNow), TimeSpan.FromSeconds(10));
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
}
