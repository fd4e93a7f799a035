using System.Net;
using System.Text;
using System.Text.Json;
using MailActors.Tests.Support;

namespace MailActors.Tests.Policy;

/// <summary>
/// Changing the live policy on a running node (issue 17, docs/spec.md §2, 12): <c>mailactors policy reload</c> through the
/// admin endpoint, new connections classified the new way at once, open sessions keeping theirs, invalid values refused with
/// the start-up line, every change audited, and the live policy kept over a restart with an older configuration file.
/// </summary>
[Trait("Category", "Slow")]
public sealed class PolicyReloadTests : IAsyncLifetime
{
    private const string InsideNow = """["127.0.0.1/32", "::1/128", "10.0.0.0/8"]""";
    private const string WithOutsideAddress = """["127.0.0.1/32", "127.0.0.2/32", "::1/128", "10.0.0.0/8"]""";
    private TestServer _server = null!;
    private HttpClient _http = null!; // carries the node's admin token, as the CLI does

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(admin: true);
        _http = AdminHttp.For(_server.DataDir);
        await _server.AddUserAsync("alice", "alice-pw");
        await Eventually.AssertAsync(async () => await LiveVersionAsync() == 1, "the singleton adopted the configuration as version 1");
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    private async Task<long?> LiveVersionAsync()
    {
        var answer = await _http.GetAsync(_server.AdminUri("policy"));
        return answer.IsSuccessStatusCode ? JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement.GetProperty("version").GetInt64() : null;
    }

    /// <summary>The server's own configuration with other policy lines, as an administrator edits the file.</summary>
    private string PolicyFile(string lines)
    {
        var path = Path.Combine(_server.DataDir, $"policy-{Guid.NewGuid():N}.conf");
        File.WriteAllText(path, File.ReadAllText(_server.ConfigFile()) + "\n" + lines + "\n");
        return path;
    }

    /// <summary>The reply to <c>USER</c> in clear on port 110 from <paramref name="from"/>, on a new connection.</summary>
    private async Task<string?> UserReplyAsync(IPAddress from)
    {
        await using var raw = await RawClient.ConnectAsync(from, _server.Pop3Port);
        await raw.ReadLineAsync();
        return await raw.CommandAsync("USER alice");
    }

    [Fact]
    public async Task A_reload_makes_an_outside_address_inside_for_new_connections_while_open_sessions_keep_theirs()
    {
        await using var open = await RawClient.ConnectAsync(TestServer.Outside, _server.Pop3Port);
        Assert.StartsWith("+OK", await open.ReadLineAsync()); // classified outside, before the change
        Assert.StartsWith("-ERR [AUTH]", await UserReplyAsync(TestServer.Outside));

        var reload = await MailActorsCli.RunAsync(PolicyFile($"mailactors.networks.internal = {WithOutsideAddress}"), "", "policy", "reload");

        Assert.Equal((0, ""), (reload.Code, reload.Err));
        Assert.Equal($"policy version 2 is live:\n  networks.internal: {InsideNow} -> {WithOutsideAddress}\n", reload.Out);
        await Eventually.AssertAsync(async () => (await UserReplyAsync(TestServer.Outside))!.StartsWith("+OK"),
            "a new connection from 127.0.0.2 is inside", TimeSpan.FromSeconds(5));
        Assert.StartsWith("-ERR [AUTH]", await open.CommandAsync("USER alice")); // the session keeps the classification it started with

        var show = await MailActorsCli.RunAsync(_server.ConfigFile(), "", "policy", "show");
        Assert.Equal(0, show.Code);
        Assert.Equal("version: 2", show.Out.Split('\n')[0]);
        Assert.Contains($"networks.internal = {WithOutsideAddress}", show.Out.Split('\n'));
        Assert.Contains("pop-before-smtp.window = 5m", show.Out.Split('\n'));

        var audit = await MailActorsCli.RunAsync(_server.ConfigFile(), "", "audit", "--kind", "policy-changed", "--format", "json");
        Assert.Equal(0, audit.Code);
        var events = audit.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([1L, 2L], events.Select(e => e.GetProperty("version").GetInt64()));
        Assert.Equal("configuration", events[0].GetProperty("by").GetString());
        Assert.Equal(Environment.UserName, events[1].GetProperty("by").GetString());
        Assert.StartsWith("akka.tcp://mailactors@127.0.0.1:", events[1].GetProperty("node").GetString());
        var change = Assert.Single(events[1].GetProperty("changes").EnumerateArray());
        Assert.Equal(("networks.internal", InsideNow, WithOutsideAddress),
            (change.GetProperty("key").GetString(), change.GetProperty("from").GetString(), change.GetProperty("to").GetString()));

        // a restart with the old file keeps the live policy; with no node running, show reads the journal
        await _server.RestartAsync();
        await Eventually.AssertAsync(async () => (await UserReplyAsync(TestServer.Outside))!.StartsWith("+OK"),
            "after a restart with the old file, 127.0.0.2 is still inside", TimeSpan.FromSeconds(10));
        Assert.Equal(2, await LiveVersionAsync());
        await _server.StopAsync();
        var offline = await MailActorsCli.RunAsync(_server.ConfigFile(), "", "policy", "show");
        Assert.Equal((0, "version: 2 (from the journal: no node answers on mailactors.admin.http)", ""), (offline.Code, offline.Out.Split('\n')[0], offline.Err));
    }

    [Fact]
    public async Task The_help_page_tells_the_window_the_node_enforces_after_a_reload()
    {
        using var web = new HttpClient();
        async Task<string> HelpPageAsync() => await web.GetStringAsync($"http://127.0.0.1:{_server.WebPort}/?lang=en");
        Assert.Contains("for 5 minutes after that", await HelpPageAsync());

        var reload = await MailActorsCli.RunAsync(PolicyFile("mailactors.pop-before-smtp.window = 2m"), "", "policy", "reload");

        Assert.Equal(0, reload.Code);
        await Eventually.AssertAsync(async () => (await HelpPageAsync()).Contains("for 2 minutes after that"),
            "the help page reads the live policy, not the file the node started with", TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task An_invalid_value_is_refused_with_the_start_up_line_and_nothing_changes()
    {
        var bad = await MailActorsCli.RunAsync(PolicyFile("""mailactors.networks.internal = ["127.0.0.1/32", "127.0.0.300/32"]"""), "", "policy", "reload");
        Assert.Equal((1, "mailactors: mailactors.networks.internal: \"127.0.0.300/32\" is not a CIDR network (like 10.0.0.0/8)\n"), (bad.Code, bad.Err));

        var prefix = await MailActorsCli.RunAsync(PolicyFile("mailactors.pop-before-smtp.ipv6-prefix = 200"), "", "policy", "reload");
        Assert.Equal((1, "mailactors: mailactors.pop-before-smtp.ipv6-prefix: must be 0 to 128, not 200\n"), (prefix.Code, prefix.Err));

        // the endpoint itself checks what it is sent
        var posted = await _http.PostAsync(_server.AdminUri("policy?by=mallory"), new StringContent(
            """{"version":9,"internal":["0.0.0.0/0","x"],"dialup":[],"trusted_proxies":[],"grant_window":"00:05:00","ipv6_prefix":64,"bind_sender":false,"allow_stls_outside":true}""",
            Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, posted.StatusCode);
        Assert.Equal("mailactors.networks.internal: \"x\" is not a CIDR network (like 10.0.0.0/8)", (await posted.Content.ReadAsStringAsync()).Trim());
        var garbage = await _http.PostAsync(_server.AdminUri("policy"), new StringContent("{\"internal\":", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);

        Assert.Equal(1, await LiveVersionAsync());
        Assert.StartsWith("-ERR [AUTH]", await UserReplyAsync(TestServer.Outside));
    }

    [Fact]
    public async Task Reloading_the_file_the_node_started_with_changes_nothing()
    {
        var same = await MailActorsCli.RunAsync(_server.ConfigFile(), "", "policy", "reload");

        Assert.Equal((0, "policy version 1 unchanged: the configuration matches the live policy\n"), (same.Code, same.Out));
        Assert.Equal(1, await LiveVersionAsync());
    }
}
