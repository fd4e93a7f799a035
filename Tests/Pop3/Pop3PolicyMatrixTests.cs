using System.Net;
using MailActors.Tests.Support;
using MailKit.Security;

namespace MailActors.Tests.Pop3;

public sealed class Pop3ServerFixture : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;
    public const string Password = "alice-login-pw";
    public const string ApopSecret = "alice-apop-secret";

    public async Task InitializeAsync()
    {
        Server = await TestServer.StartAsync();
        await Server.AddUserAsync("alice", Password, ApopSecret);
        await Server.DeliverAsync("alice", "From: bob@example.test\nSubject: one\n\nfirst message\n");
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>Every POP3 cell of docs/spec.md §3, from inside, dial-up and outside, through MailKit and raw sockets.</summary>
[Trait("Category", "Slow")]
public sealed class Pop3PolicyMatrixTests(Pop3ServerFixture fixture) : IClassFixture<Pop3ServerFixture>
{
    private TestServer Server => fixture.Server;

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.3")]
    public async Task Campus_clients_log_in_with_user_pass_on_110(string from)
    {
        using var client = await Pop3Clients.ConnectAsync(Server, IPAddress.Parse(from), Server.Pop3Port, SecureSocketOptions.None);
        await client.AuthenticateAsync("alice", Pop3ServerFixture.Password);
        Assert.Equal(1, client.Count);
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task Outside_clear_text_user_on_110_is_refused_naming_995_and_11110()
    {
        await using var raw = await RawClient.ConnectAsync(TestServer.Outside, Server.Pop3Port);
        Assert.StartsWith("+OK", await raw.ReadLineAsync());
        var reply = await raw.CommandAsync("USER alice");
        Assert.StartsWith("-ERR [AUTH]", reply);
        Assert.Contains($"port {Server.Pop3sPort}", reply);
        Assert.Contains($"port {Server.ApopPort}", reply);
        Assert.StartsWith("-ERR", await raw.CommandAsync("PASS " + Pop3ServerFixture.Password));
    }

    [Fact]
    public async Task Outside_mailkit_cannot_log_in_in_clear_text_on_110()
    {
        using var client = await Pop3Clients.ConnectAsync(Server, TestServer.Outside, Server.Pop3Port, SecureSocketOptions.None);
        await Assert.ThrowsAnyAsync<Exception>(() => client.AuthenticateAsync("alice", Pop3ServerFixture.Password));
    }

    [Fact]
    public async Task Outside_client_logs_in_on_110_after_stls()
    {
        using var client = await Pop3Clients.ConnectAsync(Server, TestServer.Outside, Server.Pop3Port, SecureSocketOptions.StartTls);
        Assert.True(client.IsSecure);
        await client.AuthenticateAsync("alice", Pop3ServerFixture.Password);
        Assert.Equal(1, client.Count);
        await client.DisconnectAsync(true);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.2")]
    [InlineData("127.0.0.3")]
    public async Task Anyone_logs_in_with_the_login_password_over_implicit_tls_on_995(string from)
    {
        using var client = await Pop3Clients.ConnectAsync(Server, IPAddress.Parse(from), Server.Pop3sPort, SecureSocketOptions.SslOnConnect);
        Assert.True(client.IsSecure);
        Assert.False(client.Capabilities.HasFlag(MailKit.Net.Pop3.Pop3Capabilities.Apop));
        await client.AuthenticateAsync("alice@example.test", Pop3ServerFixture.Password);
        var message = await client.GetMessageAsync(0);
        Assert.Equal("one", message.Subject);
        await client.DisconnectAsync(true);
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.2")]
    [InlineData("127.0.0.3")]
    public async Task Anyone_logs_in_with_the_apop_secret_on_11110(string from)
    {
        using var client = await Pop3Clients.ConnectAsync(Server, IPAddress.Parse(from), Server.ApopPort, SecureSocketOptions.None);
        Assert.True(client.Capabilities.HasFlag(MailKit.Net.Pop3.Pop3Capabilities.Apop));
        await client.AuthenticateAsync("alice", Pop3ServerFixture.ApopSecret);
        Assert.Equal(1, client.Count);
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task Apop_with_the_login_password_instead_of_the_apop_secret_fails()
    {
        // From outside, MailKit's fallback to USER/PASS after the failed APOP is refused too.
        using var client = await Pop3Clients.ConnectAsync(Server, TestServer.Outside, Server.ApopPort, SecureSocketOptions.None);
        await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync("alice", Pop3ServerFixture.Password));

        await using var raw = await RawClient.ConnectAsync(TestServer.Inside, Server.ApopPort);
        var greeting = (await raw.ReadLineAsync())!;
        var digest = MailActors.Accounts.ApopDigest.Compute(greeting[greeting.IndexOf('<')..], Pop3ServerFixture.Password);
        Assert.Equal("-ERR [AUTH] authentication failed", await raw.CommandAsync($"APOP alice {digest}"));
    }

    [Fact]
    public async Task Outside_user_pass_on_11110_is_refused_naming_995()
    {
        await using var raw = await RawClient.ConnectAsync(TestServer.Outside, Server.ApopPort);
        Assert.StartsWith("+OK", await raw.ReadLineAsync());
        var reply = await raw.CommandAsync("USER alice");
        Assert.StartsWith("-ERR [AUTH]", reply);
        Assert.Contains("APOP", reply);
        Assert.Contains($"port {Server.Pop3sPort}", reply);
    }

    [Fact]
    public async Task Inside_user_pass_on_11110_is_allowed()
    {
        await using var raw = await RawClient.ConnectAsync(TestServer.Inside, Server.ApopPort);
        Assert.StartsWith("+OK", await raw.ReadLineAsync());
        Assert.StartsWith("+OK", await raw.CommandAsync("USER alice"));
        Assert.StartsWith("+OK maildrop has", await raw.CommandAsync("PASS " + Pop3ServerFixture.Password));
        Assert.StartsWith("+OK", await raw.CommandAsync("QUIT"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_apop_challenge_is_offered_only_on_11110_and_differs_per_connection(bool tls)
    {
        var onApop1 = await GreetingAsync(Server.ApopPort);
        var onApop2 = await GreetingAsync(Server.ApopPort);
        Assert.Matches(@"<[^<>@]+@mail\.test>$", onApop1);
        Assert.NotEqual(onApop1, onApop2);

        using var client = await Pop3Clients.ConnectAsync(Server, TestServer.Inside, tls ? Server.Pop3sPort : Server.Pop3Port,
            tls ? SecureSocketOptions.SslOnConnect : SecureSocketOptions.None);
        Assert.False(client.Capabilities.HasFlag(MailKit.Net.Pop3.Pop3Capabilities.Apop));
    }

    [Fact]
    public async Task Apop_on_110_is_refused_naming_11110()
    {
        await using var raw = await RawClient.ConnectAsync(TestServer.Inside, Server.Pop3Port);
        await raw.ReadLineAsync();
        var reply = await raw.CommandAsync("APOP alice 0123456789abcdef0123456789abcdef");
        Assert.StartsWith("-ERR [AUTH]", reply);
        Assert.Contains($"port {Server.ApopPort}", reply);
    }

    [Fact]
    public async Task A_challenge_is_good_for_one_apop_attempt_only()
    {
        await using var raw = await RawClient.ConnectAsync(TestServer.Inside, Server.ApopPort);
        var greeting = (await raw.ReadLineAsync())!;
        var timestamp = greeting[greeting.IndexOf('<')..];
        Assert.StartsWith("-ERR [AUTH]", await raw.CommandAsync("APOP alice 0123456789abcdef0123456789abcdef"));
        var right = MailActors.Accounts.ApopDigest.Compute(timestamp, Pop3ServerFixture.ApopSecret);
        var retry = await raw.CommandAsync($"APOP alice {right}");
        Assert.StartsWith("-ERR [AUTH]", retry);
        Assert.Contains("reconnect", retry);
    }

    private async Task<string> GreetingAsync(int port)
    {
        await using var raw = await RawClient.ConnectAsync(TestServer.Inside, port);
        return (await raw.ReadLineAsync())!;
    }
}
