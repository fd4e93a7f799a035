using MailActors.Tests.Support;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace MailActors.Tests.Smtp;

/// <summary>On a storage fault the reply is 451 4.3.0 and nothing of the message is stored (docs/spec.md §6).</summary>
[Trait("Category", "Slow")]
public sealed class SmtpStorageFaultTests
{
    /// <summary>Breaks the outbound queue: the local copy and the queue entry share one transaction, so both must fail.</summary>
    private static async Task DropOutboundRecipientsAsync(TestServer server)
    {
        await using System.Data.Common.DbConnection db = server.PostgresConnectionString is { } postgres
            ? new NpgsqlConnection(postgres)
            : new SqliteConnection($"Data Source={Path.Combine(server.DataDir, "mailactors.db")}");
        await db.OpenAsync();
        await using var cmd = db.CreateCommand();
        cmd.CommandText = "DROP TABLE outbound_recipients";
        await cmd.ExecuteNonQueryAsync();
    }

    [Theory]
    [InlineData(TestStorage.Sqlite)]
    [InlineData(TestStorage.Postgres)]
    public async Task A_failed_commit_answers_451_and_leaves_no_local_copy_behind(TestStorage storage)
    {
        await using var server = await TestServer.StartAsync(storage: storage);
        await server.AddUserAsync("alice", "pw");
        await DropOutboundRecipientsAsync(server);

        await using var raw = await RawClient.ConnectAsync(TestServer.Inside, server.SmtpPort);
        await raw.ReadReplyAsync();
        await raw.SmtpCommandAsync("EHLO client.test");
        await raw.SmtpCommandAsync("MAIL FROM:<sender@example.test>");
        Assert.StartsWith("250", await raw.SmtpCommandAsync("RCPT TO:<alice@example.test>"));
        Assert.StartsWith("250", await raw.SmtpCommandAsync("RCPT TO:<friend@remote.test>"));
        await raw.SmtpCommandAsync("DATA");
        Assert.StartsWith("451 4.3.0", await raw.SmtpCommandAsync("Subject: doomed\r\n\r\nbody\r\n."));
        Assert.Empty(await server.Services.Messages.ListMessagesAsync("alice"));

        // The session goes on: mail to the local user alone still works.
        await raw.SmtpCommandAsync("MAIL FROM:<sender@example.test>");
        await raw.SmtpCommandAsync("RCPT TO:<alice@example.test>");
        await raw.SmtpCommandAsync("DATA");
        Assert.StartsWith("250 2.0.0", await raw.SmtpCommandAsync("Subject: fine\r\n\r\nbody\r\n."));
        Assert.Single(await server.Services.Messages.ListMessagesAsync("alice"));
    }
}
