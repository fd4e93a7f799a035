using System.Text;
using MailActors.Storage;
using MailActors.Tests.Support;

namespace MailActors.Tests.Delivery;

/// <summary><c>mailactors queue list|retry|delete</c> and the queue in <c>status</c>, with the real executable (docs/spec.md §12).</summary>
[Trait("Category", "Slow")]
public sealed class QueueCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mailactors-queue-cli-").FullName;
    private readonly string _config;

    public QueueCommandTests()
    {
        _config = Path.Combine(_dir, "mail.conf");
        File.WriteAllText(_config, $$"""mailactors { data-dir = "{{_dir}}/data", admin.http = "" }""");
    }

    private Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => MailActorsCli.RunAsync(_config, "", args);

    private async Task QueueAsync(string queueId, params string[] recipients)
    {
        using var store = SqliteStore.Open(Path.Combine(_dir, "data", "mailactors.db"));
        using var intake = new SqliteIntake(store.Connect);
        await intake.AcceptAsync(new IncomingMessage(queueId, null, "alice@example.test", [], [], recipients,
            Encoding.ASCII.GetBytes("Subject: queued\r\n\r\nx\r\n"), "127.0.0.1", null));
    }

    [Fact]
    public async Task Without_a_running_node_an_operator_lists_retries_and_deletes_queue_entries()
    {
        await QueueAsync("AAAA11112222", "one@remote.test", "two@remote.test");
        await QueueAsync("BBBB33334444", "three@remote.test");

        var list = await RunAsync("queue", "list");
        Assert.Equal(0, list.Code);
        var lines = list.Out.Trim().Split('\n');
        Assert.Equal(3, lines.Length);
        Assert.Matches(@"^AAAA11112222\tqueued\tattempts=0\tnext=\d{4}-\d\d-\d\dT[\d:]+Z\tsize=\d+\t<alice@example.test> -> <one@remote.test>$", lines[0]);

        var status = await RunAsync("status");
        Assert.Contains("queue: 3 recipient(s) waiting (3 queued, 0 deferred, 0 delivering)", status.Out);

        Assert.Equal((0, "2 recipient(s) of AAAA11112222 due now"), ((await RunAsync("queue", "retry", "AAAA11112222")) is var r ? (r.Code, r.Out.Trim()) : default));
        var deleted = await RunAsync("queue", "delete", "AAAA11112222", "--recipient", "two@remote.test");
        Assert.Equal((0, "deleted 1 recipient(s) of AAAA11112222"), (deleted.Code, deleted.Out.Trim()));
        Assert.Equal(0, (await RunAsync("queue", "delete", "BBBB33334444")).Code);
        Assert.Single((await RunAsync("queue")).Out.Trim().Split('\n'));

        var unknown = await RunAsync("queue", "delete", "NOSUCHID");
        Assert.Equal((1, "mailactors: no queued message NOSUCHID"), (unknown.Code, unknown.Err.Trim()));
        var missing = await RunAsync("queue", "retry");
        Assert.NotEqual(0, missing.Code);
    }

    [Fact]
    public async Task Queue_retry_makes_a_running_node_try_a_deferred_entry_at_once()
    {
        await using var sink = SmtpSink.Start(new SinkRule("RCPT", "451 4.7.1 greylisted"));
        await using var server = await TestServer.StartAsync($$"""
            mailactors { data-dir = "{{_dir}}/data", relay { smarthost = "{{sink.HostPort}}", retry-schedule = [1h] } }
            """);
        using (var client = await SmtpClients.ConnectAsync(server, TestServer.Inside, server.SmtpPort))
        {
            await client.SendAsync(SmtpClients.Message("alice@example.test", "friend@remote.test"));
            await client.DisconnectAsync(true);
        }
        await Eventually.AssertAsync(async () => (await server.Services.Outbound.ListAsync(DateTime.UtcNow)) is [{ State: "deferred" }],
            "the greylisted attempt is deferred by an hour");
        var entry = (await server.Services.Outbound.ListAsync(DateTime.UtcNow))[0];
        Assert.Contains("\tdeferred\tattempts=1\t", (await RunAsync("queue", "list")).Out);
        Assert.Contains("last: 451 4.7.1 greylisted", (await RunAsync("queue", "list")).Out);

        Assert.Equal(0, (await RunAsync("queue", "retry", entry.Entry.QueueId)).Code);

        await Eventually.AssertAsync(() => Task.FromResult(sink.Accepted.Count == 1), "the retried entry is delivered without waiting the hour");
        Assert.Equal("queue is empty", (await RunAsync("queue", "list")).Out.Trim());
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
