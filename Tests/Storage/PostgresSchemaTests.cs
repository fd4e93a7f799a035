using Akka.Actor;
using Akka.Configuration;
using MailActors.Host.Configuration;
using MailActors.Host.Server;
using MailActors.Storage;
using MailActors.Tests.Support;
using Npgsql;

namespace MailActors.Tests.Storage;

/// <summary>Migrations on PostgreSQL: idempotent, and safe when several nodes start at the same moment (docs/spec.md §9).</summary>
[Trait("Category", "Slow")]
public sealed class PostgresSchemaTests : IAsyncLifetime
{
    private string _connectionString = null!;

    public async Task InitializeAsync() => _connectionString = await PostgresServer.CreateDatabaseAsync();

    public async Task DisposeAsync() => await PostgresServer.DropDatabaseAsync(_connectionString);

    private async Task<List<T>> QueryAsync<T>(string sql)
    {
        await using var c = new NpgsqlConnection(_connectionString);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        await using var r = await cmd.ExecuteReaderAsync();
        var list = new List<T>();
        while (await r.ReadAsync()) list.Add(r.GetFieldValue<T>(0));
        return list;
    }

    [Fact]
    public async Task Eight_nodes_migrating_an_empty_database_at_once_all_succeed_and_apply_each_migration_once()
    {
        var connections = new List<NpgsqlConnection>();
        for (var i = 0; i < 8; i++)
        {
            var c = new NpgsqlConnection(_connectionString);
            await c.OpenAsync();
            connections.Add(c);
        }
        try
        {
            // All connections are open first, so the eight migrations reach the server together.
            await Task.WhenAll(connections.Select(c => PostgresSchema.MigrateAsync(c)));
        }
        finally
        {
            foreach (var c in connections) await c.DisposeAsync();
        }

        Assert.Equal(Enumerable.Range(1, PostgresSchema.LatestVersion), await QueryAsync<int>("SELECT version FROM schema_version ORDER BY version"));
        var tables = await QueryAsync<string>("SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1");
        Assert.Equal(["accounts", "aliases", "journal", "messages", "outbound_messages", "outbound_recipients", "schema_version", "snapshot"], tables);
    }

    [Fact]
    public async Task Migrating_again_changes_nothing_and_keeps_the_data()
    {
        using (var store = await PostgresStore.OpenAsync(_connectionString))
        {
            await store.AddAccountAsync("alice", "hash");
            await store.DeliverAsync("alice", "Subject: kept\r\n\r\nkept\r\n"u8.ToArray(), null);
        }
        await using (var c = new NpgsqlConnection(_connectionString))
        {
            await c.OpenAsync();
            await PostgresSchema.MigrateAsync(c);
            await PostgresSchema.MigrateAsync(c);
        }
        using (var again = await PostgresStore.OpenAsync(_connectionString))
        {
            Assert.NotNull(await again.FindAccountAsync("alice"));
            Assert.Single(await again.ListMessagesAsync("alice"));
        }
        Assert.Equal(Enumerable.Range(1, PostgresSchema.LatestVersion), await QueryAsync<int>("SELECT version FROM schema_version ORDER BY version"));
    }

    /// <summary>Columns, constraints and indexes of Akka.Persistence.Sql's tables, one line each, sorted.</summary>
    private static async Task<List<string>> AkkaTablesAsync(string connectionString)
    {
        const string tables = "('journal', 'tags', 'snapshot')";
        await using var c = new NpgsqlConnection(connectionString);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand($"""
            SELECT table_name || '.' || column_name || ' ' || data_type || ' null=' || is_nullable || ' identity=' || is_identity || ' ' || COALESCE(identity_generation, '')
              FROM information_schema.columns WHERE table_schema = 'public' AND table_name IN {tables}
            UNION ALL
            SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
              FROM pg_constraint WHERE conrelid::regclass::text IN {tables}
            UNION ALL
            SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename IN {tables}
            ORDER BY 1
            """, c);
        await using var r = await cmd.ExecuteReaderAsync();
        var lines = new List<string>();
        while (await r.ReadAsync()) lines.Add(r.GetString(0));
        return lines;
    }

    [Fact]
    public async Task The_akka_tables_we_create_are_exactly_those_the_persistence_plugin_would_create_itself()
    {
        await using (var c = new NpgsqlConnection(_connectionString))
        {
            await c.OpenAsync();
            await PostgresSchema.MigrateAsync(c);
        }
        var ours = await AkkaTablesAsync(_connectionString);
        Assert.Contains(ours, line => line.StartsWith("journal.ordering bigint null=NO identity=YES ALWAYS"));

        // The plugin's own auto-initialisation, as the server would run it with auto-initialize on, on an empty database.
        var pluginDatabase = await PostgresServer.CreateDatabaseAsync();
        try
        {
            var settings = ConfigLoader.Load([], null, ConfigLoader.EmbeddedText("hocon/test.conf"),
                $$"""mailactors.storage { provider = "postgresql", connection-string = "{{pluginDatabase}}" }""");
            var hocon = ConfigurationFactory.ParseString("""
                akka.actor.provider = local
                akka.persistence.journal.sql.auto-initialize = on
                akka.persistence.snapshot-store.sql.auto-initialize = on
                """).WithFallback(PersistenceConfig.For(settings.Settings)).WithFallback(settings.Root);
            using var system = ActorSystem.Create("mailactors", hocon);
            var persistence = Akka.Persistence.Persistence.Instance.Apply(system);
            persistence.JournalFor(null);
            persistence.SnapshotStoreFor(null);

            await Eventually.AssertAsync(async () => (await AkkaTablesAsync(pluginDatabase)).SequenceEqual(ours),
                "the plugin's tables match ours", TimeSpan.FromSeconds(30));
            await system.Terminate();
        }
        finally
        {
            await PostgresServer.DropDatabaseAsync(pluginDatabase);
        }
    }
}
