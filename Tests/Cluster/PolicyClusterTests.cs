using System.Diagnostics;
using System.Net;
using System.Text.Json;
using MailActors.Tests.Support;
using Xunit.Abstractions;

namespace MailActors.Tests.Cluster;

/// <summary>
/// The live policy on a cluster of real processes (issue 17, docs/spec.md §2): a change through one node is enforced by
/// every node within about a second, the survivors keep it when the singleton's node dies, and a restart of every node
/// keeps it. The time from <c>policy reload</c> to the last node enforcing the new version is printed.
/// </summary>
[Trait("Category", "Slow")]
public sealed class PolicyClusterTests(ITestOutputHelper output)
{
    private static readonly IPAddress Client = IPAddress.Parse("127.0.0.2"); // outside under the test profile

    /// <summary>The reply to <c>USER</c> in clear on port 110 from 127.0.0.2, on a new connection: refused outside, +OK inside.</summary>
    private static async Task<string?> UserReplyAsync(ClusterNode node)
    {
        await using var raw = await RawClient.ConnectAsync(Client, node.Pop3Port);
        await raw.ReadLineAsync();
        return await raw.CommandAsync("USER alice");
    }

    private static async Task<long?> LiveVersionAsync(ClusterNode node)
    {
        try { return JsonDocument.Parse(await node.GetAsync("policy")).RootElement.GetProperty("version").GetInt64(); }
        catch (HttpRequestException) { return null; } // the singleton is moving
    }

    [Fact]
    public async Task A_reload_through_one_node_is_enforced_everywhere_survives_the_singletons_node_and_a_full_restart()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var (a, b, c) = (cluster.Nodes[0], cluster.Nodes[1], cluster.Nodes[2]); // a is the oldest: it runs the singletons
        foreach (var node in cluster.Nodes)
            await Eventually.AssertAsync(async () => await LiveVersionAsync(node) == 1, $"{node.Name} reaches the adopted policy", TimeSpan.FromSeconds(30));
        foreach (var node in cluster.Nodes)
            Assert.StartsWith("-ERR [AUTH]", await UserReplyAsync(node));

        // the administrator edits the site file and reloads through node b
        var reloadConfig = Path.Combine(cluster.Dir, "reload.conf");
        File.WriteAllText(reloadConfig, File.ReadAllText(cluster.SiteConfig) + $$"""

            mailactors.networks.internal = ["127.0.0.1/32", "127.0.0.2/32", "::1/128", "10.0.0.0/8"]
            mailactors.admin.http = "127.0.0.1:{{b.AdminPort}}"
            """);
        var clock = Stopwatch.StartNew();
        var reload = await MailActorsCli.RunAsync(reloadConfig, "", "policy", "reload");
        var returned = clock.Elapsed;
        Assert.Equal((0, ""), (reload.Code, reload.Err));
        Assert.StartsWith("policy version 2 is live:", reload.Out);

        var enforcedAt = await Task.WhenAll(cluster.Nodes.Select(async node =>
        {
            await Eventually.AssertAsync(async () => (await UserReplyAsync(node))!.StartsWith("+OK"),
                $"{node.Name} classifies 127.0.0.2 as inside", TimeSpan.FromSeconds(10));
            return clock.Elapsed;
        }));
        var last = enforcedAt.Max();
        output.WriteLine($"policy reload: the command took {returned.TotalMilliseconds:F0} ms (process start included); the last node " +
                         $"enforced version 2 {(last - returned).TotalMilliseconds:F0} ms after it returned, " +
                         $"{last.TotalMilliseconds:F0} ms after it was started");

        // status: every node says which version it enforces (gossip brings the others' within a few seconds)
        await Eventually.AssertAsync(async () =>
        {
            var policy = JsonDocument.Parse(await c.GetAsync("status")).RootElement.GetProperty("policy").EnumerateArray().ToList();
            return cluster.Nodes.All(n => policy.Any(p => p.GetProperty("node").GetString() == n.Address && p.GetProperty("version").GetInt64() == 2));
        }, "c's status shows version 2 on every node", TimeSpan.FromSeconds(15));

        // the singleton's node dies: the others keep enforcing the new policy, and the new singleton recovers it
        a.Kill();
        Assert.StartsWith("+OK", await UserReplyAsync(b));
        Assert.StartsWith("+OK", await UserReplyAsync(c));
        await Eventually.AssertAsync(async () => await LiveVersionAsync(c) == 2, "the singleton recovered version 2 on a survivor",
            TimeSpan.FromSeconds(90));
        Assert.StartsWith("+OK", await UserReplyAsync(b));

        // every node restarts with the old site file: the live policy stays, and each node says its file differs
        b.Kill();
        c.Kill();
        await a.StartReadyAsync(TimeSpan.FromSeconds(90));
        await Task.WhenAll(b.StartReadyAsync(TimeSpan.FromSeconds(90)), c.StartReadyAsync(TimeSpan.FromSeconds(90)));
        foreach (var node in cluster.Nodes)
        {
            await Eventually.AssertAsync(async () => (await UserReplyAsync(node))!.StartsWith("+OK"),
                $"{node.Name} enforces version 2 after the restart", TimeSpan.FromSeconds(30));
            Assert.Equal(2, await LiveVersionAsync(node));
            Assert.Contains("This node's configuration differs from the live policy (version 2) in networks.internal;", node.Log);
        }
    }
}
