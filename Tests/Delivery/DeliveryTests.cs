using System.Net;
using MailActors.Delivery;
using MailActors.Tests.Support;
using MailKit.Security;
using MimeKit;

namespace MailActors.Tests.Delivery;

/// <summary>
/// Outbound delivery end to end (docs/spec.md §10): mail relayed through the real server's SMTP listener (127.0.0.1 is inside)
/// goes out over real sockets to scripted SMTP sinks; bounces are read back with MailKit's POP3 client.
/// </summary>
[Trait("Category", "Slow")]
public sealed class DeliveryTests
{
    private const string Password = "alice-pw";

    private static async Task<(TestServer Server, DeliveryEventLog Events)> StartAsync(string relayHocon, TestStorage storage = TestStorage.Sqlite)
    {
        var server = await TestServer.StartAsync($$"""
            mailactors.relay { retry-schedule = [1s, 1s], {{relayHocon}} }
            """, storage);
        await server.AddUserAsync("alice", Password);
        return (server, DeliveryEventLog.Attach(server.System));
    }

    private static string Smarthost(SmtpSink sink) => $"smarthost = \"{sink.HostPort}\"";

    private static async Task RelayAsync(TestServer server, string from, string to, string subject = "hello")
    {
        using var client = await SmtpClients.ConnectAsync(server, TestServer.Inside, server.SmtpPort);
        await client.SendAsync(SmtpClients.Message(from, to, subject));
        await client.DisconnectAsync(true);
    }

    private static Task QueueEmptiesAsync(TestServer server, TimeSpan? within = null) =>
        Eventually.AssertAsync(async () => (await server.Services.Outbound.ListAsync(DateTime.UtcNow)).Count == 0, "the outbound queue is empty", within);

    private static async Task<IList<MimeMessage>> MailboxAsync(TestServer server, string user, string password)
    {
        using var pop = await Pop3Clients.ConnectAsync(server, TestServer.Inside, server.Pop3Port, SecureSocketOptions.None);
        await pop.AuthenticateAsync(user, password);
        var messages = new List<MimeMessage>();
        for (var i = 0; i < pop.Count; i++) messages.Add(await pop.GetMessageAsync(i));
        await pop.DisconnectAsync(true);
        return messages;
    }

    /// <summary>Nothing more arrives: a few poll rounds (relay.poll-interval is 100 ms in the test profile) pass without a second copy.</summary>
    private static async Task StaysAtOneCopyAsync(SmtpSink sink)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(600));
        Assert.Single(sink.Accepted);
    }

    [Fact]
    public async Task Relayed_mail_reaches_the_remote_exactly_once_and_leaves_the_queue()
    {
        await using var sink = SmtpSink.Start();
        var (server, events) = await StartAsync(Smarthost(sink));
        await using var _ = server;

        await RelayAsync(server, "alice@example.test", "friend@remote.test", "out it goes");

        await QueueEmptiesAsync(server);
        var message = Assert.Single(sink.Accepted);
        Assert.Equal("alice@example.test", message.From);
        Assert.Equal(["friend@remote.test"], message.Recipients);
        var parsed = message.Parse();
        Assert.Equal("out it goes", parsed.Subject);
        Assert.Contains("mail.test", parsed.Headers[HeaderId.Received]); // our trace header went out with it
        await StaysAtOneCopyAsync(sink);
        var delivered = Assert.Single(await events.WaitForAsync<DeliveryEvents.MessageDelivered>(1));
        Assert.Equal(("friend@remote.test", 1, sink.HostPort), (delivered.Recipient, delivered.Attempts, delivered.DestinationHost));
        Assert.StartsWith("250", delivered.Reply);
        Assert.NotNull(delivered.MessageId);
        var audited = await AuditedAsync(server, "relay-delivered");
        Assert.Equal(("friend@remote.test", sink.HostPort, delivered.QueueId), (audited.GetProperty("recipient").GetString(),
            audited.GetProperty("destination").GetString(), audited.GetProperty("queue_id").GetString()));
    }

    /// <summary>The one fact of this kind in the node's audit stream, read as an auditor does (docs/spec.md §8).</summary>
    private static async Task<System.Text.Json.JsonElement> AuditedAsync(TestServer server, string kind)
    {
        var output = "";
        await Eventually.AssertAsync(async () =>
            (output = (await MailActorsCli.RunAsync(server.ConfigFile(), "", "audit", "--kind", kind, "--format", "json")).Out).Contains(kind),
            $"a {kind} fact is in the audit journal", TimeSpan.FromSeconds(30));
        return System.Text.Json.JsonDocument.Parse(output.Trim()).RootElement;
    }

    [Fact]
    public async Task On_postgresql_a_451_is_retried_then_delivered_exactly_once()
    {
        await using var sink = SmtpSink.Start(new SinkRule(".", "451 4.3.0 try again later", Times: 1));
        var (server, events) = await StartAsync(Smarthost(sink), TestStorage.Postgres);
        await using var _ = server;

        await RelayAsync(server, "alice@example.test", "friend@remote.test");

        await QueueEmptiesAsync(server, TimeSpan.FromSeconds(20));
        Assert.Equal(["friend@remote.test"], Assert.Single(sink.Accepted).Recipients);
        Assert.Equal(2, Assert.Single(await events.WaitForAsync<DeliveryEvents.MessageDelivered>(1)).Attempts);
        await StaysAtOneCopyAsync(sink);
    }

    [Fact]
    public async Task Two_451_replies_are_retried_on_the_schedule_and_the_third_attempt_delivers()
    {
        await using var sink = SmtpSink.Start(new SinkRule(".", "451 4.3.0 try again later", Times: 2));
        var (server, events) = await StartAsync(Smarthost(sink));
        await using var _ = server;

        await RelayAsync(server, "alice@example.test", "friend@remote.test");

        await QueueEmptiesAsync(server, TimeSpan.FromSeconds(20));
        Assert.Single(sink.Accepted);
        var delivered = Assert.Single(await events.WaitForAsync<DeliveryEvents.MessageDelivered>(1));
        var deferred = events.Of<DeliveryEvents.DeliveryDeferred>(); // published before the delivery
        Assert.Equal([1, 2], deferred.Select(d => d.Attempts));
        Assert.All(deferred, d => Assert.Equal("451 4.3.0 try again later", d.Reply));
        Assert.All(deferred, d => Assert.True(d.NextAttemptUtc - d.Utc >= TimeSpan.FromSeconds(0.9), "waits the schedule's 1s"));
        Assert.Equal(3, delivered.Attempts);
        await StaysAtOneCopyAsync(sink);
    }

    [Fact]
    public async Task A_550_bounces_to_the_local_sender_with_a_DSN_from_the_null_sender()
    {
        await using var sink = SmtpSink.Start(new SinkRule("RCPT", "550 5.1.1 <nobody@remote.test>: no such user"));
        var (server, events) = await StartAsync(Smarthost(sink));
        await using var _ = server;

        await RelayAsync(server, "alice@example.test", "nobody@remote.test", "lost cause");

        await QueueEmptiesAsync(server);
        Assert.Empty(sink.Accepted);
        var bounce = Assert.Single(await MailboxAsync(server, "alice", Password));
        Assert.Equal("<>", bounce.Headers["Return-Path"]);
        var report = Assert.IsType<MultipartReport>(bounce.Body);
        Assert.Equal("delivery-status", report.ReportType);
        var status = Assert.Single(report.OfType<MessageDeliveryStatus>());
        Assert.Equal("dns; mail.test", status.StatusGroups[0]["Reporting-MTA"]);
        Assert.Equal("rfc822; nobody@remote.test", status.StatusGroups[1]["Final-Recipient"]);
        Assert.Equal("failed", status.StatusGroups[1]["Action"]);
        Assert.Equal("5.1.1", status.StatusGroups[1]["Status"]);
        Assert.Equal("smtp; 550 5.1.1 <nobody@remote.test>: no such user", status.StatusGroups[1]["Diagnostic-Code"]);
        Assert.Equal("lost cause", Assert.Single(report.OfType<TextRfc822Headers>()).Message!.Subject);
        var bounced = Assert.Single(await events.WaitForAsync<DeliveryEvents.MessageBounced>(1));
        Assert.Equal(("5.1.1", "local:alice", 1), (bounced.Status, bounced.Bounce, bounced.Attempts));
        var audited = await AuditedAsync(server, "relay-bounced");
        Assert.Equal(("nobody@remote.test", "5.1.1", "local:alice"), (audited.GetProperty("recipient").GetString(),
            audited.GetProperty("status").GetString(), audited.GetProperty("bounce").GetString()));
    }

    [Fact]
    public async Task A_connection_dropped_in_DATA_is_retried_and_delivered_exactly_once()
    {
        await using var sink = SmtpSink.Start(new SinkRule(".", null));
        var (server, events) = await StartAsync(Smarthost(sink));
        await using var _ = server;

        await RelayAsync(server, "alice@example.test", "friend@remote.test");

        await QueueEmptiesAsync(server, TimeSpan.FromSeconds(15));
        await StaysAtOneCopyAsync(sink);
        Assert.Contains("S: (dropped the connection)", sink.Log);
        Assert.Equal(2, Assert.Single(await events.WaitForAsync<DeliveryEvents.MessageDelivered>(1)).Attempts);
        Assert.Single(events.Of<DeliveryEvents.DeliveryDeferred>()); // published before the delivery
    }

    [Fact]
    public async Task Temporary_failures_past_give_up_after_bounce_with_4_4_7()
    {
        await using var sink = SmtpSink.Start(new SinkRule("RCPT", "452 4.2.2 mailbox full", Times: 1000));
        var (server, events) = await StartAsync(Smarthost(sink) + ", give-up-after = 2s");
        await using var _ = server;

        await RelayAsync(server, "alice@example.test", "full@remote.test");

        await QueueEmptiesAsync(server, TimeSpan.FromSeconds(15));
        var bounce = Assert.Single(await MailboxAsync(server, "alice", Password));
        var status = Assert.Single(Assert.IsType<MultipartReport>(bounce.Body).OfType<MessageDeliveryStatus>());
        Assert.Equal("4.4.7", status.StatusGroups[1]["Status"]);
        Assert.Contains("452 4.2.2 mailbox full", status.StatusGroups[1]["Diagnostic-Code"]);
        Assert.Equal("4.4.7", Assert.Single(await events.WaitForAsync<DeliveryEvents.MessageBounced>(1)).Status);
    }

    [Fact]
    public async Task Mail_from_the_null_sender_that_fails_is_dropped_without_a_bounce()
    {
        await using var sink = SmtpSink.Start(new SinkRule("RCPT", "550 5.1.1 no such user"));
        var (server, events) = await StartAsync(Smarthost(sink));
        await using var _ = server;

        await using (var raw = await RawClient.ConnectAsync(TestServer.Inside, server.SmtpPort))
        {
            await raw.ReadReplyAsync();
            await raw.SmtpCommandAsync("EHLO client.test");
            Assert.StartsWith("250", await raw.SmtpCommandAsync("MAIL FROM:<>"));
            Assert.StartsWith("250", await raw.SmtpCommandAsync("RCPT TO:<nobody@remote.test>"));
            await raw.SmtpCommandAsync("DATA");
            Assert.StartsWith("250", await raw.SmtpCommandAsync("Subject: a bounce of our own\r\n\r\nx\r\n."));
        }

        Assert.Equal("none", Assert.Single(await events.WaitForAsync<DeliveryEvents.MessageBounced>(1)).Bounce);
        await QueueEmptiesAsync(server);
        Assert.Empty(await MailboxAsync(server, "alice", Password));
    }

    [Fact]
    public async Task A_bounce_for_a_remote_sender_goes_out_with_the_null_sender()
    {
        await using var rejecting = SmtpSink.Start(new SinkRule("RCPT", "550 5.7.1 go away"));
        await using var senders = SmtpSink.Start();
        var (server, events) = await StartAsync($$"""
            smarthost = "", routes { "remote.test" = "{{rejecting.HostPort}}", "elsewhere.test" = "{{senders.HostPort}}" }
            """);
        await using var _ = server;

        await RelayAsync(server, "visitor@elsewhere.test", "someone@remote.test", "from afar");

        await Eventually.AssertAsync(() => Task.FromResult(senders.Accepted.Count == 1), "the bounce reaches the sender's host");
        var bounce = senders.Accepted[0];
        Assert.Equal("", bounce.From);
        Assert.Equal(["visitor@elsewhere.test"], bounce.Recipients);
        var status = Assert.Single(Assert.IsType<MultipartReport>(bounce.Parse().Body).OfType<MessageDeliveryStatus>());
        Assert.Equal("5.7.1", status.StatusGroups[1]["Status"]);
        await QueueEmptiesAsync(server);
        Assert.StartsWith("queued:", Assert.Single(await events.WaitForAsync<DeliveryEvents.MessageBounced>(1)).Bounce);
    }

    [Fact]
    public async Task STARTTLS_is_used_when_offered_even_with_a_certificate_nobody_trusts()
    {
        await using var sink = SmtpSink.StartWithTls();
        var (server, _) = await StartAsync(Smarthost(sink));
        await using var __ = server;

        await RelayAsync(server, "alice@example.test", "friend@remote.test");

        await QueueEmptiesAsync(server);
        Assert.True(Assert.Single(sink.Accepted).Tls);
        Assert.Contains("C: STARTTLS", sink.Log);
    }

    [Fact]
    public async Task One_destination_gets_at_most_its_connection_limit_and_connections_are_reused()
    {
        var gate = new TaskCompletionSource();
        await using var sink = SmtpSink.Start(new SinkRule(".", "250 2.0.0 accepted", Times: 2) { Hold = gate.Task });
        var (server, events) = await StartAsync(Smarthost(sink) + ", connections-per-destination = 2");
        await using var _ = server;

        for (var i = 0; i < 6; i++) await RelayAsync(server, "alice@example.test", $"friend{i}@remote.test");
        await sink.Holding;
        await Eventually.AssertAsync(() => Task.FromResult(sink.Log.Count(l => l == "C: DATA") == 2), "two transactions are in DATA");
        await Task.Delay(TimeSpan.FromMilliseconds(500)); // four more are due: none may open a third connection
        Assert.Equal(2, sink.Connections);
        gate.SetResult();

        await QueueEmptiesAsync(server);
        Assert.Equal(6, sink.Accepted.Count);
        Assert.Equal(2, sink.Connections);
        Assert.Equal(6, (await events.WaitForAsync<DeliveryEvents.MessageDelivered>(6)).Count);
    }

    [Fact]
    public async Task Each_domain_goes_to_its_own_route_and_recipients_of_one_message_are_handled_independently()
    {
        await using var first = SmtpSink.Start();
        await using var second = SmtpSink.Start(new SinkRule("RCPT", "550 5.1.1 unknown"));
        var (server, events) = await StartAsync($$"""
            smarthost = "", routes { "one.test" = "{{first.HostPort}}", "two.test" = "{{second.HostPort}}" }
            """);
        await using var _ = server;

        using (var client = await SmtpClients.ConnectAsync(server, TestServer.Inside, server.SmtpPort))
        {
            var message = SmtpClients.Message("alice@example.test", "a@one.test", "two ways");
            message.To.Add(MailboxAddress.Parse("b@two.test"));
            await client.SendAsync(message);
            await client.DisconnectAsync(true);
        }

        await QueueEmptiesAsync(server);
        Assert.Equal(["a@one.test"], Assert.Single(first.Accepted).Recipients);
        Assert.Empty(second.Accepted);
        Assert.Single(await events.WaitForAsync<DeliveryEvents.MessageDelivered>(1));
        Assert.Equal("b@two.test", Assert.Single(await events.WaitForAsync<DeliveryEvents.MessageBounced>(1)).Recipient);
        Assert.Single(await MailboxAsync(server, "alice", Password));
    }
}

/// <summary>Leases across a clean restart and across nodes sharing one database.</summary>
[Trait("Category", "Slow")]
public sealed class DeliveryLeaseTests
{
    [Fact]
    public async Task A_clean_stop_gives_its_leases_back_so_a_restart_delivers_without_waiting_for_them_to_run_out()
    {
        var gate = new TaskCompletionSource();
        await using var sink = SmtpSink.Start(new SinkRule(".", null) { Hold = gate.Task });
        // The default lease is a minute: delivery within seconds of the restart proves the lease was given back.
        await using var server = await TestServer.StartAsync($$"""mailactors.relay { smarthost = "{{sink.HostPort}}", lease = 1m }""");
        using (var client = await SmtpClients.ConnectAsync(server, TestServer.Inside, server.SmtpPort))
        {
            await client.SendAsync(SmtpClients.Message("alice@example.test", "friend@remote.test", "across a restart"));
            await client.DisconnectAsync(true);
        }
        await sink.Holding.WaitAsync(TimeSpan.FromSeconds(10));

        await server.RestartAsync();
        gate.SetResult();

        await Eventually.AssertAsync(() => Task.FromResult(sink.Accepted.Count == 1), "delivered soon after the restart", TimeSpan.FromSeconds(15));
        Assert.Equal("across a restart", sink.Accepted[0].Parse().Subject);
    }

    [Fact]
    public async Task Two_nodes_on_one_database_deliver_every_recipient_exactly_once()
    {
        await using var sink = SmtpSink.Start();
        var relay = $$"""mailactors.relay { smarthost = "{{sink.HostPort}}", connections-per-destination = 3 }""";
        await using var first = await TestServer.StartAsync(relay);
        await using var second = await TestServer.StartAsync($$"""
            mailactors.data-dir = "{{first.DataDir}}"
            {{relay}}
            """);
        var firstEvents = DeliveryEventLog.Attach(first.System);
        var secondEvents = DeliveryEventLog.Attach(second.System);

        // Both nodes accept mail into the shared queue, and both deliver from it.
        for (var i = 0; i < 30; i++)
        {
            var node = i % 2 == 0 ? first : second;
            using var client = await SmtpClients.ConnectAsync(node, TestServer.Inside, node.SmtpPort);
            await client.SendAsync(SmtpClients.Message("alice@example.test", $"friend{i}@remote.test"));
            await client.DisconnectAsync(true);
        }

        await Eventually.AssertAsync(async () => (await first.Services.Outbound.ListAsync(DateTime.UtcNow)).Count == 0, "the shared queue is empty", TimeSpan.FromSeconds(20));
        await Task.Delay(TimeSpan.FromMilliseconds(600)); // a few poll rounds on both nodes: nothing goes out twice
        var recipients = sink.Accepted.SelectMany(m => m.Recipients).ToList();
        Assert.Equal(30, recipients.Count);
        Assert.Equal(30, recipients.Distinct().Count());
        await Eventually.AssertAsync(() => Task.FromResult(
            firstEvents.Of<DeliveryEvents.MessageDelivered>().Count + secondEvents.Of<DeliveryEvents.MessageDelivered>().Count == 30), "30 deliveries published");
    }
}

/// <summary>Recipients of one message at one destination share a transaction, and each keeps its own outcome.</summary>
[Trait("Category", "Slow")]
public sealed class DeliveryGroupingTests
{
    [Fact]
    public async Task Recipients_at_one_destination_go_in_one_transaction_and_a_refused_one_bounces_alone()
    {
        await using var sink = SmtpSink.Start(new SinkRule("RCPT", "550 5.1.1 no such user"));
        await using var server = await TestServer.StartAsync($$"""mailactors.relay.smarthost = "{{sink.HostPort}}" """);
        await server.AddUserAsync("alice", "pw");

        // The server is stopped while the message is queued, so that its three recipients are claimed together.
        await server.StopAsync();
        using (var store = MailActors.Storage.SqliteStore.Open(Path.Combine(server.DataDir, "mailactors.db")))
        using (var intake = new MailActors.Storage.SqliteIntake(store.Connect))
            await intake.AcceptAsync(new MailActors.Storage.IncomingMessage("GROUPED00001", "<g1@example.test>", "alice@example.test", [], [],
                ["gone@remote.test", "one@remote.test", "two@remote.test"], "Subject: together\r\n\r\nx\r\n"u8.ToArray(), "127.0.0.1", null));
        await server.RestartAsync(); // (events published this early could be missed by a subscriber: the store tells instead)

        await Eventually.AssertAsync(async () => (await server.Services.Outbound.ListAsync(DateTime.UtcNow)).Count == 0, "the queue is empty");
        var message = Assert.Single(sink.Accepted);
        Assert.Equal(["one@remote.test", "two@remote.test"], message.Recipients);
        Assert.Equal(1, sink.Log.Count(l => l == "C: DATA"));
        var bounce = await server.Services.Messages.ReadMessageAsync("alice", Assert.Single(await server.Services.Messages.ListMessagesAsync("alice")).Id);
        var status = Assert.Single(Assert.IsType<MultipartReport>(MimeMessage.Load(new MemoryStream(bounce!)).Body).OfType<MessageDeliveryStatus>());
        Assert.Equal("rfc822; gone@remote.test", status.StatusGroups[1]["Final-Recipient"]);
    }

    [Fact]
    public async Task When_every_recipient_is_refused_each_bounces_and_no_data_is_sent()
    {
        await using var sink = SmtpSink.Start(new SinkRule("RCPT", "550 5.1.1 no such user", Times: 10));
        await using var server = await TestServer.StartAsync($$"""mailactors.relay.smarthost = "{{sink.HostPort}}" """);
        await server.AddUserAsync("alice", "pw");
        var events = DeliveryEventLog.Attach(server.System);
        using (var client = await SmtpClients.ConnectAsync(server, TestServer.Inside, server.SmtpPort))
        {
            var m = SmtpClients.Message("alice@example.test", "a@remote.test");
            m.To.Add(MailboxAddress.Parse("b@remote.test"));
            await client.SendAsync(m);
            await client.DisconnectAsync(true);
        }

        await events.WaitForAsync<DeliveryEvents.MessageBounced>(2);
        Assert.Empty(sink.Accepted);
        Assert.DoesNotContain("C: DATA", sink.Log);
        Assert.All(events.Of<DeliveryEvents.MessageBounced>(), b => Assert.Equal("5.1.1", b.Status));
    }
}
