using MailActors.Storage;
using MailActors.Tests.Support;
using Npgsql;

namespace MailActors.Tests.Storage;

/// <summary>Migrations on PostgreSQL: idempotent, and safe when several nodes start at the same moment (SPEC 9).</summary>
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
        Assert.Equal(["accounts", "journal", "messages", "outbound_messages", "outbound_recipients", "schema_version", "snapshot", "tags"], tables);
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
}
