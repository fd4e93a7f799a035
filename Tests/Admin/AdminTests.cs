using System.Net;
using System.Net.Sockets;
using MailActors.Tests.Support;
using MailKit.Security;

namespace MailActors.Tests.Admin;

/// <summary>The admin endpoint and the commands that go through it (docs/spec.md §7, 12, 13), or straight to the journal when no node runs.</summary>
[Trait("Category", "Slow")]
public sealed class AdminTests : IAsyncLifetime
{
    private const string Password = "alice-login-pw";
    private readonly int _adminPort = FreePort();
    private TestServer _server = null!;
    private string _config = null!;
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync($"""mailactors.admin.http = "127.0.0.1:{_adminPort}" """);
        await _server.AddUserAsync("alice", Password);
        // What an administrator's commands read: the same data folder and admin endpoint as the node.
        _config = Path.Combine(_server.DataDir, "admin.conf");
        await File.WriteAllTextAsync(_config, $$"""
            mailactors { data-dir = "{{_server.DataDir}}", local-domains = ["example.test"], admin.http = "127.0.0.1:{{_adminPort}}" }
            """);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Uri Admin(string path) => new($"http://127.0.0.1:{_adminPort}/{path}");

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
        Assert.Contains("\"account\":\"alice\"", await Http.GetStringAsync(Admin("grants")));

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

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
