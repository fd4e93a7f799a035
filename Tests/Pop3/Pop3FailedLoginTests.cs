using System.Diagnostics;
using MailActors.Tests.Support;

namespace MailActors.Tests.Pop3;

/// <summary>docs/spec.md §5: a growing delay per address, then [LOGIN-DELAY] per address or per account; nothing revealed.</summary>
[Trait("Category", "Slow")]
public sealed class Pop3FailedLoginTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(
            "mailactors.networks.internal = [\"127.0.0.1/32\", \"127.0.1.0/24\"]\n" +
            "mailactors.limits.auth-failures { per-address = 3, per-account = 4, window = 1m, block = 1m, first-delay = 200ms, max-delay = 500ms }");
        await _server.AddUserAsync("victim", "right");
        await _server.AddUserAsync("target", "right");
        await _server.AddUserAsync("other", "right");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<(string Reply, TimeSpan Took)> TryLoginAsync(System.Net.IPAddress from, string user, string password)
    {
        await using var raw = await RawClient.ConnectAsync(from, _server.Pop3Port);
        await raw.ReadLineAsync();
        await raw.CommandAsync("USER " + user);
        var clock = Stopwatch.StartNew();
        var reply = (await raw.CommandAsync("PASS " + password))!;
        return (reply, clock.Elapsed);
    }

    [Fact]
    public async Task Failures_from_one_address_are_delayed_more_each_time_and_then_blocked_even_with_the_right_password()
    {
        var from = TestServer.Dialup; // inside addresses are not exempt
        var first = await TryLoginAsync(from, "victim", "wrong");
        var second = await TryLoginAsync(from, "nosuchuser", "wrong");
        var third = await TryLoginAsync(from, "victim", "wrong");

        Assert.Equal("-ERR [AUTH] authentication failed", first.Reply);
        Assert.Equal(first.Reply, second.Reply); // an unknown account looks the same
        Assert.True(first.Took >= TimeSpan.FromMilliseconds(180), $"first delay {first.Took}");
        Assert.True(second.Took >= TimeSpan.FromMilliseconds(380), $"second delay {second.Took}");
        Assert.True(third.Took >= TimeSpan.FromMilliseconds(480), $"capped delay {third.Took}");

        var blocked = await TryLoginAsync(from, "victim", "right");
        Assert.StartsWith("-ERR [LOGIN-DELAY]", blocked.Reply);

        var elsewhere = await TryLoginAsync(TestServer.Inside, "other", "right");
        Assert.StartsWith("+OK", elsewhere.Reply);
    }

    [Fact]
    public async Task Failures_against_one_account_block_that_account_from_every_address()
    {
        foreach (var last in new[] { 11, 12, 13, 14 })
            Assert.StartsWith("-ERR [AUTH]", (await TryLoginAsync(System.Net.IPAddress.Parse($"127.0.1.{last}"), "target", "wrong")).Reply);

        Assert.StartsWith("-ERR [LOGIN-DELAY]", (await TryLoginAsync(TestServer.Inside, "target", "right")).Reply);
        Assert.StartsWith("+OK", (await TryLoginAsync(System.Net.IPAddress.Parse("127.0.1.20"), "other", "right")).Reply);
    }

    [Fact]
    public async Task A_policy_refusal_is_not_a_failed_login()
    {
        var from = System.Net.IPAddress.Parse("127.0.2.1"); // outside
        for (var i = 0; i < 5; i++)
        {
            await using var raw = await RawClient.ConnectAsync(from, _server.Pop3Port);
            await raw.ReadLineAsync();
            Assert.StartsWith("-ERR [AUTH] clear-text", await raw.CommandAsync("USER other"));
        }
        // the same address is not blocked: over TLS it logs in
        using var client = await Pop3Clients.ConnectAsync(_server, from, _server.Pop3sPort, MailKit.Security.SecureSocketOptions.SslOnConnect);
        await client.AuthenticateAsync("other", "right");
        await client.DisconnectAsync(true);
    }
}
