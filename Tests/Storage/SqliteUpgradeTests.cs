using System.Text;
using MailActors.Accounts;
using MailActors.Storage;
using MailActors.Tests.Support;
using MailKit.Security;
using Microsoft.Data.Sqlite;

namespace MailActors.Tests.Storage;

/// <summary>
/// docs/spec.md §9: a node started on a database an older release left (schema 3, before account states, quotas,
/// aliases and per-mailbox UIDLs) migrates it at start and serves the same mailbox: the same UIDLs, usage counted from
/// the stored messages, ids never reused.
/// </summary>
[Trait("Category", "Slow")]
public sealed class SqliteUpgradeTests
{
    [Fact]
    public async Task A_schema_3_database_is_migrated_at_start_and_its_mailbox_served_unchanged()
    {
        await using var server = await TestServer.StartAsync();
        await server.StopAsync();
        var path = SqliteStore.DatabasePath(server.DataDir);
        SqliteConnection.ClearAllPools();
        foreach (var file in new[] { path, path + "-wal", path + "-shm" }) File.Delete(file);
        WriteSchema3Database(path);

        await server.RestartAsync();

        using (var pop = await Pop3Clients.ConnectAsync(server, TestServer.Inside, server.Pop3Port, SecureSocketOptions.None))
        {
            await pop.AuthenticateAsync("alice", "alice-pw");
            Assert.Equal(["old-1", "old-2"], await pop.GetMessageUidsAsync());
            Assert.Equal("first", (await pop.GetMessageAsync(0)).Subject);
            await pop.DisconnectAsync(true);
        }
        var usage = Assert.Single(await server.Services.Mailboxes.ListMailboxesAsync(), u => u.Account == "alice");
        Assert.Equal(2, usage.UsedMessages);
        Assert.Equal(Body("first").Length + Body("second").Length, usage.UsedBytes);
        Assert.True((await server.DeliverAsync("alice", "Subject: new\r\n\r\nafter the upgrade\r\n")).Id > 3, "the id of a deleted message is not reused");
    }

    private static byte[] Body(string subject) => Encoding.ASCII.GetBytes($"Subject: {subject}\r\n\r\nstored before the upgrade\r\n");

    private static void WriteSchema3Database(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=false");
        connection.Open();
        SqliteSchema.Migrate(connection, 3);
        var now = DateTime.UtcNow.ToString("O");
        Execute(connection, "INSERT INTO accounts (name, password_hash, created_utc, updated_utc) VALUES ('alice', $hash, $now, $now)",
            ("$hash", PasswordHasher.Hash("alice-pw")), ("$now", now));
        foreach (var (uidl, subject) in new[] { ("old-1", "first"), ("old-2", "second"), ("old-3", "deleted") })
            Execute(connection, "INSERT INTO messages (account, uidl, size, received_utc, body) VALUES ('alice', $uidl, $size, $now, $body)",
                ("$uidl", uidl), ("$size", Body(subject).Length), ("$now", now), ("$body", Body(subject)));
        Execute(connection, "DELETE FROM messages WHERE uidl = 'old-3'");
    }

    private static void Execute(SqliteConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        command.ExecuteNonQuery();
    }
}
