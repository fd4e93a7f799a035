using System.Text;
using MailActors.Storage;
using MailActors.Tests.Support;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace MailActors.Tests.Storage;

/// <summary><c>IMailIntake.CountQueueAsync</c>, the one aggregate query behind the queue-depth metric and <c>status</c>, on both providers.</summary>
[Trait("Category", "Slow")]
public sealed class QueueCountTests
{
    private static byte[] Mail(string text) => MessageText.ToCrlf(Encoding.UTF8.GetBytes(text));

    private static IncomingMessage Incoming(string queueId, string[] relay) =>
        new(queueId, null, "sender@example.test", [], Mail("Subject: hi\n\nhello\n"), relay, Mail("Subject: hi\n\nhello\n"), "127.0.0.2", "alice");

    /// <summary>Accepts three relayed recipients, marks one as tried once, and checks the counts at each step.</summary>
    private static async Task CountsQueuedAndDeferredRecipients(IMailIntake intake, Func<string, Task> execute)
    {
        Assert.Equal(QueueCounts.Empty, await intake.CountQueueAsync());

        var before = DateTime.UtcNow.AddSeconds(-1);
        await intake.AcceptAsync(Incoming("Q1", ["x@remote.test", "y@remote.test"]));
        await intake.AcceptAsync(Incoming("Q2", ["z@remote.test"]));
        var counts = await intake.CountQueueAsync();
        Assert.Equal((3L, 0L, 3L), (counts.Queued, counts.Deferred, counts.Total));
        Assert.InRange(counts.OldestUtc!.Value, before, DateTime.UtcNow.AddSeconds(1));

        await execute("UPDATE outbound_recipients SET attempts = 1, last_error = '451 try later' WHERE recipient = 'y@remote.test'");
        counts = await intake.CountQueueAsync();
        Assert.Equal((2L, 1L), (counts.Queued, counts.Deferred));
    }

    [Fact]
    public async Task Sqlite_counts_queued_and_deferred_recipients_and_the_oldest()
    {
        var dir = Directory.CreateTempSubdirectory("mailactors-queue-").FullName;
        try
        {
            using var store = SqliteStore.Open(Path.Combine(dir, "mailactors.db"));
            using var intake = new SqliteIntake(store.Connect);
            await CountsQueuedAndDeferredRecipients(intake, async sql =>
            {
                await using var c = store.Connect();
                await using var cmd = c.CreateCommand();
                cmd.CommandText = sql;
                Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
            });
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Postgres_counts_queued_and_deferred_recipients_and_the_oldest()
    {
        var connectionString = await PostgresServer.CreateDatabaseAsync();
        try
        {
            using var store = await PostgresStore.OpenAsync(connectionString);
            using var intake = new PostgresIntake(store.DataSource);
            await CountsQueuedAndDeferredRecipients(intake, async sql =>
            {
                await using var cmd = store.DataSource.CreateCommand(sql);
                Assert.Equal(1, await cmd.ExecuteNonQueryAsync());
            });
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await PostgresServer.DropDatabaseAsync(connectionString);
        }
    }
}
