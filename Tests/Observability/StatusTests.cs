using MailActors.Host.Admin;
using MailActors.Observability;
using MailActors.Tests.Support;
using MailKit.Security;

namespace MailActors.Tests.Observability;

/// <summary><c>mailactors status</c> against a running node, and from the database when none runs (docs/spec.md §12, 13).</summary>
[Trait("Category", "Slow")]
public sealed class StatusTests : IAsyncLifetime
{
    private const string Password = "alice-login-pw";
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(admin: true);
        await _server.AddUserAsync("alice", Password);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task GrantAndQueueTwoRecipientsAsync()
    {
        using (var pop = await Pop3Clients.ConnectAsync(_server, TestServer.Outside, _server.Pop3sPort, SecureSocketOptions.SslOnConnect))
        {
            await pop.AuthenticateAsync("alice", Password);
            await pop.DisconnectAsync(true);
        }
        using var smtp = await SmtpClients.ConnectAsync(_server, TestServer.Outside, _server.SmtpPort);
        var message = SmtpClients.Message("alice@example.test", "one@remote.test");
        message.To.Add(MimeKit.MailboxAddress.Parse("two@remote.test"));
        await smtp.SendAsync(message);
        await smtp.DisconnectAsync(true);
    }

    [Fact]
    public async Task Status_shows_every_member_where_each_singleton_runs_the_listeners_the_grants_and_the_queue()
    {
        await GrantAndQueueTwoRecipientsAsync();

        // The policy singleton adopts the configuration as version 1 after start; until its replica reaches this node,
        // status says version 0 (as it should). The rest of the status is already what it will be.
        string[] lines = [];
        await Eventually.AssertAsync(async () =>
        {
            var status = await MailActorsCli.RunAsync(_server.ConfigFile(), "", "status");
            Assert.Equal((0, ""), (status.Code, status.Err));
            lines = status.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return lines.Any(l => l.StartsWith("policy: version 1 "));
        }, "the node enforces the adopted policy", TimeSpan.FromSeconds(30));
        var node = Assert.Single(lines, l => l.StartsWith("node: "))["node: ".Length..];
        Assert.Matches(@"^akka\.tcp://mailactors@127\.0\.0\.1:\d+$", node);
        Assert.Equal($"member: {node} Up roles=mail reachable (this node)", Assert.Single(lines, l => l.StartsWith("member: ")));
        Assert.Equal([$"singleton: auth-failures on {node}", $"singleton: grant-ledger on {node}", $"singleton: policy on {node}"],
            lines.Where(l => l.StartsWith("singleton: ")));
        Assert.Equal($"policy: version 1 enforced by {node}", Assert.Single(lines, l => l.StartsWith("policy: ")));
        Assert.Equal(
            [$"listener: pop3 127.0.0.1:{_server.Pop3Port}", $"listener: pop3s 127.0.0.1:{_server.Pop3sPort}", $"listener: apop 127.0.0.1:{_server.ApopPort}",
             $"listener: smtp 127.0.0.1:{_server.SmtpPort}", $"listener: submission 127.0.0.1:{_server.SubmissionPort}",
             $"listener: submissions 127.0.0.1:{_server.SubmissionsPort}", $"listener: web 127.0.0.1:{_server.WebPort}", $"listener: webs 127.0.0.1:{_server.WebsPort}"],
            lines.Where(l => l.StartsWith("listener: ")));
        Assert.Contains("grants: 1 live", lines);
        // the test profile's smarthost is a closed port: delivery may already have tried (and deferred) them
        Assert.Matches(@"^queue: 2 recipient\(s\) waiting \(\d queued, \d deferred, \d delivering\), oldest accepted \d+s ago$", Assert.Single(lines, l => l.StartsWith("queue: ")));
    }

    [Fact]
    public async Task With_no_node_running_status_says_so_and_counts_the_queue_in_the_database()
    {
        await GrantAndQueueTwoRecipientsAsync();
        await _server.StopAsync();

        var status = await MailActorsCli.RunAsync(_server.ConfigFile(), "", "status");
        Assert.Equal(0, status.Code);
        var lines = status.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("node: none running (no answer on mailactors.admin.http)", lines[0]);
        Assert.Matches(@"^queue: 2 recipient\(s\) waiting \(\d queued, \d deferred, \d delivering\), oldest accepted \d+s ago$", lines[1]);
        Assert.Equal(2, lines.Length);
    }

    [Fact]
    public void A_status_names_unreachable_members_and_a_ledger_that_did_not_answer()
    {
        var now = new DateTime(2026, 11, 28, 5, 0, 0, DateTimeKind.Utc);
        var view = new StatusView("akka.tcp://mailactors@10.0.0.1:4053",
            [new MemberView("akka.tcp://mailactors@10.0.0.1:4053", "Up", ["mail"], true),
             new MemberView("akka.tcp://mailactors@10.0.0.2:4053", "Up", [], false)],
            new Dictionary<string, string?> { ["grant-ledger"] = null },
            [], null, new QueueView(3, 1, 0, 4, now.AddHours(-26).AddMinutes(-5)));
        Assert.Equal([
            "node: akka.tcp://mailactors@10.0.0.1:4053",
            "member: akka.tcp://mailactors@10.0.0.1:4053 Up roles=mail reachable (this node)",
            "member: akka.tcp://mailactors@10.0.0.2:4053 Up roles=- UNREACHABLE",
            "singleton: grant-ledger on (none: no Up member with role mail)",
            "grants: unknown (the grant ledger did not answer)",
            "queue: 4 recipient(s) waiting (3 queued, 1 deferred, 0 delivering), oldest accepted 1d02h ago",
        ], view.Lines(now));
    }
}
