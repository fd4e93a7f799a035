using System.Diagnostics;
using System.Net;
using System.Text.Json;
using MailActors.Tests.Support;
using MailKit.Net.Pop3;
using MailKit.Security;
using Xunit.Abstractions;

namespace MailActors.Tests.Cluster;

/// <summary>A three-node cluster of real processes on one PostgreSQL database, shared by the tests that leave it whole.</summary>
public sealed class ThreeNodes : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await TestCluster.StartAsync(3);
        await Cluster.AddUserAsync("alice", "alice-pw");
        await Cluster.AddUserAsync("bob", "bob-pw");
        await Cluster.AddUserAsync("carol", "carol-pw");
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>
/// Several nodes behave as one server (issue 4, docs/spec.md §7): grants earned through one node are honoured by every
/// node at once, a mailbox is locked cluster-wide, mail accepted by one node is read through another.
/// </summary>
[Trait("Category", "Slow")]
public sealed class ClusterTests(ThreeNodes three) : IClassFixture<ThreeNodes>
{
    private TestCluster Cluster => three.Cluster;
    private ClusterNode Node(int n) => Cluster.Nodes[n - 1];

    [Fact]
    public async Task Every_node_sees_three_members_up()
    {
        foreach (var node in Cluster.Nodes)
        {
            var status = JsonDocument.Parse(await node.GetAsync("status")).RootElement;
            var members = status.GetProperty("members").EnumerateArray().ToList();
            Assert.Equal(3, members.Count);
            Assert.All(members, m => Assert.Equal("Up", m.GetProperty("status").GetString()));
        }
    }

    [Fact]
    public async Task A_grant_earned_through_one_node_is_honoured_by_every_node_at_once()
    {
        var from = IPAddress.Parse("127.0.0.6");
        Assert.StartsWith("554 5.7.1", await ClusterClients.RelayReplyAsync(Node(2), from));

        await ClusterClients.PopLoginAsync(Cluster, Node(1), from, "alice", "alice-pw");

        // no waiting: the client sends the moment it has read +OK, through whichever node DNS gave it
        Assert.StartsWith("250", await ClusterClients.RelayReplyAsync(Node(2), from));
        Assert.StartsWith("250", await ClusterClients.RelayReplyAsync(Node(3), from));
        Assert.StartsWith("554 5.7.1", await ClusterClients.RelayReplyAsync(Node(3), IPAddress.Parse("127.0.0.7")));
    }

    [Fact]
    public async Task A_mailbox_open_through_one_node_is_in_use_through_another()
    {
        using var first = await ClusterClients.Pop3Async(Cluster, Node(1), TestServer.Inside, Node(1).Pop3Port, SecureSocketOptions.None);
        await first.AuthenticateAsync("bob", "bob-pw");

        await using (var second = await RawClient.ConnectAsync(TestServer.Inside, Node(3).Pop3Port))
            Assert.StartsWith("-ERR [IN-USE]", await second.LoginAsync("bob", "bob-pw"));

        await first.DisconnectAsync(true);
        await Eventually.AssertAsync(async () =>
        {
            await using var again = await RawClient.ConnectAsync(TestServer.Inside, Node(3).Pop3Port);
            return (await again.LoginAsync("bob", "bob-pw"))!.StartsWith("+OK");
        }, "bob's mailbox is free again once the first session quit", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Failed_logins_through_different_nodes_count_together()
    {
        await Cluster.AddUserAsync("dave", "dave-pw");
        for (var i = 0; i < 10; i++) // limits.auth-failures.per-account = 10, spread over the three nodes
        {
            await using var raw = await RawClient.ConnectAsync(TestServer.Inside, Node(1 + i % 3).Pop3Port);
            Assert.StartsWith("-ERR [AUTH]", await raw.LoginAsync("dave", "wrong-" + i));
        }
        await using var right = await RawClient.ConnectAsync(TestServer.Inside, Node(2).Pop3Port);
        Assert.StartsWith("-ERR [LOGIN-DELAY]", await right.LoginAsync("dave", "dave-pw"));
    }

    [Fact]
    public void Apop_timestamps_of_two_nodes_never_collide()
    {
        var (one, two) = (new MailActors.Pop3.ApopChallenge("mail.test"), new MailActors.Pop3.ApopChallenge("mail.test"));
        var seen = new HashSet<string>();
        for (var i = 0; i < 10_000; i++)
        {
            Assert.True(seen.Add(one.Next()));
            Assert.True(seen.Add(two.Next()));
        }
    }

    [Fact]
    public async Task Mail_accepted_through_one_node_is_read_through_another()
    {
        await ClusterClients.SendLocalAsync(Node(2), "carol@example.test", "<cluster-1@client.test>");
        using var pop = await ClusterClients.Pop3Async(Cluster, Node(3), TestServer.Inside, Node(3).Pop3Port, SecureSocketOptions.None);
        await pop.AuthenticateAsync("carol", "carol-pw");
        Assert.Contains("cluster-1@client.test", (await pop.GetMessageAsync(pop.Count - 1)).MessageId);
        await pop.DisconnectAsync(true);
    }
}

/// <summary>
/// Losing the node that runs the grant ledger (issue 4 part 5): <c>kill -9</c>, then the survivors keep honouring
/// the live grant, expired grants are not honoured, the dead node's mailbox lock goes, no accepted message is lost,
/// and new logins earn grants again once the ledger has restarted from the journal — the time that takes is reported.
/// </summary>
[Trait("Category", "Slow")]
public sealed class ClusterFailoverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Killing_the_ledgers_node_loses_no_grant_no_lock_and_no_message()
    {
        await using var cluster = await TestCluster.StartAsync(3, "mailactors.pop-before-smtp.window = 12s");
        var (a, b, c) = (cluster.Nodes[0], cluster.Nodes[1], cluster.Nodes[2]); // a is the oldest: it runs the singletons
        await cluster.AddUserAsync("alice", "alice-pw");
        await cluster.AddUserAsync("bob", "bob-pw");
        var outside = IPAddress.Parse("127.0.0.2");

        await ClusterClients.PopLoginAsync(cluster, b, outside, "alice", "alice-pw");
        var earned = DateTime.UtcNow;
        await ClusterClients.SendLocalAsync(a, "bob@example.test", "<kept-1@client.test>");
        var held = await ClusterClients.Pop3Async(cluster, a, TestServer.Inside, a.Pop3Port, SecureSocketOptions.None);
        await held.AuthenticateAsync("bob", "bob-pw"); // bob's mailbox locked by a session on the node about to die

        a.Kill();
        var killed = Stopwatch.StartNew();
        held.Dispose();

        // the survivors honour the live grant from their own replicas while the ledger is gone
        Assert.StartsWith("250", await ClusterClients.RelayReplyAsync(b, outside));
        Assert.StartsWith("250", await ClusterClients.RelayReplyAsync(c, outside));
        Assert.True(DateTime.UtcNow < earned.AddSeconds(12), "checked inside the window");

        // the dead node's lock is released once it is downed, and the message it accepted is there
        await Eventually.AssertAsync(async () =>
        {
            try
            {
                using var pop = await ClusterClients.Pop3Async(cluster, c, TestServer.Inside, c.Pop3Port, SecureSocketOptions.None);
                await pop.AuthenticateAsync("bob", "bob-pw");
                var found = (await pop.GetMessageAsync(0)).MessageId == "kept-1@client.test";
                await pop.DisconnectAsync(true);
                return found;
            }
            catch (Exception e) when (e is Pop3CommandException or Pop3ProtocolException or AuthenticationException or IOException)
            {
                return false;
            }
        }, "bob's mailbox opens on a survivor with the message the dead node accepted", TimeSpan.FromSeconds(90));
        var lockBack = killed.Elapsed;

        // new logins earn grants again once the ledger has recovered on a survivor
        var later = IPAddress.Parse("127.0.0.4");
        await Eventually.AssertAsync(async () =>
        {
            try { await ClusterClients.PopLoginAsync(cluster, c, later, "alice", "alice-pw"); }
            catch (Exception e) when (e is Pop3CommandException or Pop3ProtocolException or AuthenticationException or IOException) { return false; }
            return (await ClusterClients.RelayReplyAsync(b, later))!.StartsWith("250");
        }, "a new login earns a grant honoured by the other survivor", TimeSpan.FromSeconds(90));
        var grantsBack = killed.Elapsed;

        // and the grant from before the crash still ends with its window
        await Eventually.AssertAsync(async () => (await ClusterClients.RelayReplyAsync(c, outside))!.StartsWith("554"),
            "the old grant expires", TimeSpan.FromSeconds(30));
        Assert.True(DateTime.UtcNow >= earned.AddSeconds(12), "never refused before its window ended");
        output.WriteLine($"after kill -9 of the ledger's node: mailbox lock released in {lockBack.TotalSeconds:F1} s, " +
                         $"new grants work in {grantsBack.TotalSeconds:F1} s");

        // SIGTERM is a graceful leave: the node exits by itself, and the survivor sees it gone, not unreachable
        await c.TerminateAsync(TimeSpan.FromSeconds(60));
        Assert.False(c.Running);
        await Eventually.AssertAsync(async () =>
        {
            var members = JsonDocument.Parse(await b.GetAsync("status")).RootElement.GetProperty("members").EnumerateArray();
            return members.All(m => m.GetProperty("address").GetString() != c.Address);
        }, "the survivor no longer lists the node that left", TimeSpan.FromSeconds(30));
    }
}

/// <summary>Clients of a <see cref="TestCluster"/>'s nodes, bound to chosen source addresses.</summary>
public static class ClusterClients
{
    public static async Task<Pop3Client> Pop3Async(TestCluster cluster, ClusterNode node, IPAddress from, int port, SecureSocketOptions security)
    {
        var client = new Pop3Client { LocalEndPoint = new IPEndPoint(from, 0), Timeout = 15_000, CheckCertificateRevocation = false };
        client.ServerCertificateValidationCallback = Pop3Clients.TrustingOnly(cluster.Ca);
        await client.ConnectAsync("127.0.0.1", port, security);
        return client;
    }

    public static async Task PopLoginAsync(TestCluster cluster, ClusterNode node, IPAddress from, string user, string password)
    {
        using var pop = await Pop3Async(cluster, node, from, node.Pop3sPort, SecureSocketOptions.SslOnConnect);
        await pop.AuthenticateAsync(user, password);
        await pop.DisconnectAsync(true);
    }

    public static async Task<string?> RelayReplyAsync(ClusterNode node, IPAddress from)
    {
        await using var raw = await RawClient.ConnectAsync(from, node.SmtpPort);
        await raw.ReadReplyAsync();
        await raw.SmtpCommandAsync("EHLO client.test");
        await raw.SmtpCommandAsync("MAIL FROM:<alice@example.test>");
        return await raw.SmtpCommandAsync("RCPT TO:<friend@remote.test>");
    }

    public static async Task SendLocalAsync(ClusterNode node, string to, string messageId)
    {
        await using var raw = await RawClient.ConnectAsync(TestServer.Inside, node.SmtpPort);
        await raw.ReadReplyAsync();
        await raw.SmtpCommandAsync("EHLO client.test");
        await raw.SmtpCommandAsync("MAIL FROM:<someone@example.test>");
        Assert.StartsWith("250", await raw.SmtpCommandAsync($"RCPT TO:<{to}>"));
        Assert.StartsWith("354", await raw.SmtpCommandAsync("DATA"));
        Assert.StartsWith("250", await raw.SmtpCommandAsync($"Message-ID: {messageId}\r\nSubject: cluster\r\n\r\nhello\r\n."));
    }
}
