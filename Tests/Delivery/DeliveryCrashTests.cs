using MailActors.Tests.Support;

namespace MailActors.Tests.Delivery;

/// <summary>
/// Nothing is lost across a crash (docs/spec.md §10): the real executable is killed (SIGKILL) in the middle of an outbound
/// transaction; after a restart the recipient is delivered, once.
///
/// The one duplicate SMTP allows: if the remote answered 250 to the end of DATA and the node died before recording it,
/// the entry is still queued and goes out again after the lease runs out — RFC 5321 6.1 prefers a duplicate to a loss
/// (as every MTA does; Postfix the same). This test kills the node before the remote's reply, so it sees exactly one copy.
/// </summary>
[Trait("Category", "Slow")]
public sealed class DeliveryCrashTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mailactors-delivery-kill-").FullName;

    [Fact]
    public async Task Killing_the_node_during_delivery_loses_nothing_and_a_restart_delivers_once()
    {
        var gate = new TaskCompletionSource();
        // The first transaction stalls after the data, and its connection goes when the node dies; later ones are accepted.
        await using var sink = SmtpSink.Start(new SinkRule(".", null) { Hold = gate.Task });
        var relay = $$"""relay { smarthost = "{{sink.HostPort}}", retry-schedule = [1s], lease = 2s, poll-interval = 100ms }""";
        var config = Path.Combine(_dir, "mail.conf");
        string ConfigFor(int smtpPort) => ServerProcess.SmtpOnlyConfig($"{_dir}/data", smtpPort, "mailactors." + relay);

        var (server, smtpPort) = await ServerProcess.ServeAsync(config, ConfigFor);
        using var _ = server;
        try
        {
            await ServerProcess.SendAsync(smtpPort, "friend@remote.test", "in flight", "must arrive");
            await sink.Holding.WaitAsync(TimeSpan.FromSeconds(30));
            await ServerProcess.KillAsync(server);
        }
        finally
        {
            await ServerProcess.KillAsync(server);
            gate.TrySetResult();
        }
        Assert.Empty(sink.Accepted);

        await using var restarted = await TestServer.StartAsync($$"""mailactors { data-dir = "{{_dir}}/data", {{relay}} }""");
        await Eventually.AssertAsync(async () => (await restarted.Services.Outbound.ListAsync(DateTime.UtcNow)).Count == 0,
            "the restarted node takes the dead node's lease over and delivers", TimeSpan.FromSeconds(20));
        var message = Assert.Single(sink.Accepted);
        Assert.Equal("in flight", message.Parse().Subject);
        Assert.Equal(["friend@remote.test"], message.Recipients);
        await Task.Delay(TimeSpan.FromMilliseconds(600)); // a few poll rounds: no second copy
        Assert.Single(sink.Accepted);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
