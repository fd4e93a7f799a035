using System.Net;
using System.Net.Http.Json;
using MailActors.Host.Admin;
using MailActors.Tests.Observability;
using MailActors.Tests.Support;

namespace MailActors.Tests.Cluster;

/// <summary>
/// What an operator sees of a three-node cluster of real processes (docs/spec.md §13): <c>mailactors status</c> names every
/// member and where the singletons run, each node's <c>/metrics</c> carries its own node label, and when a node dies
/// the survivors, still a majority, stay ready while they report it unreachable.
/// </summary>
[Trait("Category", "Slow")]
public sealed class ClusterObservabilityTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private static async Task<StatusView> StatusAsync(ClusterNode node) =>
        (await Http.GetFromJsonAsync<StatusView>($"http://127.0.0.1:{node.AdminPort}/status", GrantView.Json))!;

    private static async Task<HttpStatusCode> ReadyAsync(ClusterNode node) =>
        (await Http.GetAsync($"http://127.0.0.1:{node.AdminPort}/readyz")).StatusCode;

    [Fact]
    public async Task Status_metrics_and_readiness_follow_the_membership_through_a_node_crash()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        var (a, b, c) = (cluster.Nodes[0], cluster.Nodes[1], cluster.Nodes[2]); // a started first: the oldest

        // mailactors status through b's admin endpoint, as an operator on b's machine runs it
        var cli = Path.Combine(cluster.Dir, "b-cli.conf");
        await File.WriteAllTextAsync(cli, await File.ReadAllTextAsync(cluster.SiteConfig) + $"""

            mailactors.admin.http = "127.0.0.1:{b.AdminPort}"
            """);
        await Eventually.AssertAsync(async () => (await StatusAsync(b)).Members.Count(m => m.Status == "Up") == 3, "b sees three members Up");
        var status = await MailActorsCli.RunAsync(cli, "", "status");
        Assert.Equal((0, ""), (status.Code, status.Err));
        var lines = status.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"node: {b.Address}", lines[0]);
        Assert.Equal(
            new[] { a, b, c }.Select(n => $"member: {n.Address} Up roles=mail reachable" + (n == b ? " (this node)" : "")).Order(),
            lines.Where(l => l.StartsWith("member: ")).Order());
        Assert.Equal([$"singleton: auth-failures on {a.Address}", $"singleton: grant-ledger on {a.Address}"], lines.Where(l => l.StartsWith("singleton: ")));
        Assert.Contains("grants: 0 live", lines);
        Assert.Contains("queue: 0 recipient(s) waiting (0 queued, 0 deferred, 0 delivering)", lines);

        // each node exports its own figures under its own address
        foreach (var node in cluster.Nodes)
        {
            // the grant figure appears once the node has learned it (a scrape never waits for it)
            PrometheusScrape scrape = null!;
            await Eventually.AssertAsync(async () =>
            {
                scrape = await PrometheusScrape.GetAsync(Http, new Uri($"http://127.0.0.1:{node.AdminPort}/metrics"));
                return scrape.Matching("mailactors_grants_live").Any();
            }, $"{node.Name} exports its live grants");
            Assert.Equal([(node.Address, 0.0)], scrape.Matching("mailactors_grants_live").Select(s => (s.Labels["node"], s.Value)));
            Assert.Equal(["pop3", "pop3s", "smtp", "submission"], // apop is off on these nodes
                scrape.Matching("mailactors_connections_accepted_total", ("node", node.Address)).Select(s => s.Labels["listener"]).Order());
        }

        c.Kill();
        // While c is unreachable and not yet downed, a and b reach two of three: still ready, and they say what they miss.
        await Eventually.AssertAsync(async () =>
            (await StatusAsync(a)).Members.Any(m => m.Address == c.Address && !m.Reachable), "a finds c unreachable", TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, await ReadyAsync(a));
        Assert.Equal(HttpStatusCode.OK, await ReadyAsync(b));
        // the CLI asks b, which has its own failure detector: wait until b, too, has noticed
        await Eventually.AssertAsync(async () =>
            (await StatusAsync(b)).Members.All(m => m.Address != c.Address || !m.Reachable), "b finds c unreachable", TimeSpan.FromSeconds(30));
        var whileUnreachable = await MailActorsCli.RunAsync(cli, "", "status");
        // (the resolver may have downed it by the time the command asks: Down, but still listed until removed, or gone)
        if (whileUnreachable.Out.Contains(c.Address))
            Assert.Matches($@"(?m)^member: {System.Text.RegularExpressions.Regex.Escape(c.Address)} (Up|Down) roles=mail UNREACHABLE$", whileUnreachable.Out);

        // the resolver downs c and the survivors carry on as a cluster of two, both ready
        await Eventually.AssertAsync(async () => (await StatusAsync(b)).Members.All(m => m.Address != c.Address),
            "c is removed", TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.OK, await ReadyAsync(a));
        Assert.Equal(HttpStatusCode.OK, await ReadyAsync(b));
    }
}
