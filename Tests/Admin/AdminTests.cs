using System.Net;
using System.Net.Sockets;
using MailActors.Host.Admin;
using MailActors.Tests.Support;
using MailKit.Security;

namespace MailActors.Tests.Admin;

/// <summary>The admin endpoint and the commands that go through it (docs/spec.md §7, 12, 13), or straight to the journal when no node runs.</summary>
[Trait("Category", "Slow")]
public sealed class AdminTests : IAsyncLifetime
{
    private const string Password = "alice-login-pw";
    private TestServer _server = null!;
    private string _config = null!;
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(admin: true);
        await _server.AddUserAsync("alice", Password);
        // What an administrator's commands read: the same data folder and admin endpoint as the node.
        _config = Path.Combine(_server.DataDir, "admin.conf");
        await File.WriteAllTextAsync(_config, $$"""
            mailactors { data-dir = "{{_server.DataDir}}", local-domains = ["example.test"], admin.http = "127.0.0.1:{{_server.AdminPort}}" }
            """);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Uri Admin(string path) => _server.AdminUri(path);

    private async Task EarnGrantAsync()
    {
        using var pop = await Pop3Clients.ConnectAsync(_server, TestServer.Outside, _server.Pop3sPort, SecureSocketOptions.SslOnConnect);
        await pop.AuthenticateAsync("alice", Password);
        await pop.DisconnectAsync(true);
        Assert.NotNull(await _server.GrantForAsync(TestServer.Outside));
    }

    [Fact]
    public async Task Health_and_readiness_answer_ok_on_a_running_node()
    {
        Assert.Equal("ok", (await Http.GetStringAsync(Admin("healthz"))).Trim());
        var ready = await Http.GetAsync(Admin("readyz"));
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
    }

    [Fact]
    public async Task Grants_are_listed_and_revoked_through_the_running_node()
    {
        await EarnGrantAsync();
        Assert.Contains("\"account\":\"alice\"", await AdminHttp.For(_server.DataDir).GetStringAsync(Admin("grants")));

        var list = await MailActorsCli.RunAsync(_config, "", "grants", "list");
        Assert.Equal(0, list.Code);
        Assert.Matches(@"^127\.0\.0\.2\talice\tpop3s\tissued \d{4}-", list.Out);

        var revoke = await MailActorsCli.RunAsync(_config, "", "grants", "revoke", "127.0.0.2");
        Assert.Equal((0, "revoked 1 grant(s) for 127.0.0.2"), (revoke.Code, revoke.Out.Trim()));
        Assert.Null(await _server.GrantForAsync(TestServer.Outside));

        var again = await MailActorsCli.RunAsync(_config, "", "grants", "revoke", "127.0.0.2");
        Assert.Equal((1, "mailactors: no live grant for 127.0.0.2"), (again.Code, again.Err.Trim()));
    }

    [Fact]
    public async Task A_password_change_revokes_the_accounts_grants_on_the_running_node_within_a_second()
    {
        await EarnGrantAsync();
        var changed = await MailActorsCli.RunAsync(_config, "new-password\n", "user", "passwd", "alice", "--password-stdin");
        Assert.Equal(0, changed.Code);
        await Eventually.AssertAsync(async () => await _server.GrantForAsync(TestServer.Outside) is null,
            "the grant is revoked", TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task With_no_node_running_grants_are_read_and_revoked_in_the_journal()
    {
        await EarnGrantAsync();
        await _server.StopAsync();

        var list = await MailActorsCli.RunAsync(_config, "", "grants");
        Assert.Equal(0, list.Code);
        Assert.StartsWith("127.0.0.2\talice", list.Out);
        var revoke = await MailActorsCli.RunAsync(_config, "", "grants", "revoke", "127.0.0.2");
        Assert.Equal(0, revoke.Code);

        await _server.RestartAsync();
        Assert.Null(await _server.GrantForAsync(TestServer.Outside));
    }

    [Fact]
    public async Task Status_names_the_node_its_listeners_and_the_queue()
    {
        var status = await MailActorsCli.RunAsync(_config, "", "status");
        Assert.Equal(0, status.Code);
        Assert.Contains("node: akka.tcp://mailactors@", status.Out);
        Assert.Contains($"listener: smtp 127.0.0.1:{_server.SmtpPort}", status.Out);
        Assert.Contains("queue: 0 recipient(s) waiting", status.Out);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void The_admin_token_is_made_at_first_start_readable_by_the_owner_only()
    {
        var token = AdminToken.PathIn(_server.DataDir);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(token));
        Assert.True(AdminToken.Read(token)!.Length >= 40); // 32 random bytes
    }

    [Fact]
    public async Task A_post_without_the_token_is_refused_and_changes_nothing()
    {
        await EarnGrantAsync();
        var revoke = await Http.PostAsync(Admin("grants/revoke?address=127.0.0.2"), null);
        Assert.Equal(HttpStatusCode.Unauthorized, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Http.PostAsync(Admin("audit/admin?action=x&target=y"), null)).StatusCode);
        Assert.NotNull(await _server.GrantForAsync(TestServer.Outside));
    }

    [Fact]
    public async Task A_wrong_token_is_refused_for_personal_data_and_changes()
    {
        using var wrong = new HttpClient();
        wrong.DefaultRequestHeaders.Authorization = new("Bearer", "not-" + AdminToken.Read(AdminToken.PathIn(_server.DataDir)));
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync(Admin("grants"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync(Admin("status"))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.PostAsync(Admin("accounts/alice/changed"), null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Http.GetAsync(Admin("grants"))).StatusCode); // and none at all
    }

    [Theory]
    [InlineData("evil.example", HttpStatusCode.MisdirectedRequest)]
    [InlineData("evil.example:{port}", HttpStatusCode.MisdirectedRequest)] // DNS rebinding: the page's own name
    [InlineData("127.0.0.1.nip.io:{port}", HttpStatusCode.MisdirectedRequest)]
    [InlineData("127.0.0.1:1", HttpStatusCode.MisdirectedRequest)]
    [InlineData("localhost", HttpStatusCode.OK)]
    [InlineData("LOCALHOST:{port}", HttpStatusCode.OK)]
    [InlineData("127.0.0.1", HttpStatusCode.OK)]
    [InlineData("127.0.0.1:{port}", HttpStatusCode.OK)]
    public async Task Only_its_own_address_or_localhost_is_accepted_as_host_even_with_the_token(string host, HttpStatusCode expected)
    {
        using var http = AdminHttp.For(_server.DataDir);
        var request = new HttpRequestMessage(HttpMethod.Get, Admin("grants"));
        request.Headers.Host = host.Replace("{port}", _server.AdminPort.ToString());
        Assert.Equal(expected, (await http.SendAsync(request)).StatusCode);
    }

    [Fact]
    public async Task Probes_and_the_scraper_need_no_token()
    {
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync(Admin("healthz"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync(Admin("readyz"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync(Admin("metrics"))).StatusCode);
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
