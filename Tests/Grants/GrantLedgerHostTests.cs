using System.Net;
using MailActors.Tests.Support;
using MailKit.Security;

namespace MailActors.Tests.Grants;

/// <summary>The ledger in the real host: POP logins earn grants, the journal keeps them across restarts.</summary>
[Trait("Category", "Slow")]
public sealed class GrantLedgerHostTests
{
    private const string Password = "alice-login-pw";

    private static async Task LoginAsync(TestServer server, IPAddress from)
    {
        using var client = await Pop3Clients.ConnectAsync(server, from, server.Pop3sPort, SecureSocketOptions.SslOnConnect);
        await client.AuthenticateAsync("alice", Password);
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task An_outside_login_earns_a_grant_for_its_address_only_and_an_inside_login_none()
    {
        await using var server = await TestServer.StartAsync();
        await server.AddUserAsync("alice", Password);

        await LoginAsync(server, TestServer.Inside);
        Assert.Null(await server.GrantForAsync(TestServer.Inside));

        await LoginAsync(server, TestServer.Outside);
        var grant = await server.GrantForAsync(TestServer.Outside);
        Assert.NotNull(grant);
        Assert.Equal("alice", grant.Account);
        Assert.Equal("pop3s", grant.Listener);
        Assert.Null(await server.GrantForAsync(IPAddress.Parse("127.0.0.4")));
    }

    [Fact]
    public async Task A_grant_survives_a_restart_and_still_expires_on_time()
    {
        // a window long enough to outlast a restart on a loaded machine, short enough to watch it end
        await using var server = await TestServer.StartAsync("mailactors.pop-before-smtp.window = 12s");
        await server.AddUserAsync("alice", Password);
        await LoginAsync(server, TestServer.Outside);
        var before = await server.GrantForAsync(TestServer.Outside);
        Assert.NotNull(before);

        await server.RestartAsync();

        var after = await server.GrantForAsync(TestServer.Outside);
        Assert.NotNull(after);
        Assert.Equal(before.ExpiresAt, after.ExpiresAt);
        await Eventually.AssertAsync(async () => await server.GrantForAsync(TestServer.Outside) is null, "the grant expires",
            TimeSpan.FromSeconds(25));
        Assert.True(DateTime.UtcNow >= before.ExpiresAt);
    }
}
