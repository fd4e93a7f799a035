using MailActors.Tests.Support;
using MailKit.Security;

namespace MailActors.Tests.Pop3;

/// <summary>Bad input gets a reply or a clean close, never a crash, and never disturbs other sessions (docs/spec.md §14).</summary>
[Trait("Category", "Slow")]
public sealed class Pop3RobustnessTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync("mailactors.limits { max-line-length = 200, idle-timeout = 2s, max-connections-per-address = 2 }");
        // One account per test: a session a test leaves behind may hold its mailbox a moment longer than the test.
        foreach (var user in new[] { "steady", "tls12", "tls13", "stls" })
        {
            await _server.AddUserAsync(user, "pw");
            await _server.DeliverAsync(user, "Subject: steady\n\nstill here\n");
        }
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Random_bytes_get_errors_or_a_close_while_another_session_carries_on()
    {
        using var good = await Pop3Clients.ConnectAsync(_server, TestServer.Inside, _server.Pop3Port, SecureSocketOptions.None);
        await good.AuthenticateAsync("steady", "pw");

        var random = new Random(1939);
        for (var round = 0; round < 5; round++)
        {
            await using var bad = await RawClient.ConnectAsync(TestServer.Inside, _server.Pop3Port);
            await bad.ReadLineAsync();
            var garbage = new byte[8192];
            random.NextBytes(garbage);
            await bad.SendBytesAsync(garbage);
            var line = await bad.ReadLineAsync();
            Assert.True(line is null || line.StartsWith("-ERR"), $"unexpected reply: {line}");
            Assert.True(await bad.ClosedByServerAsync());
        }

        Assert.Equal("steady", (await good.GetMessageAsync(0)).Subject);
        await good.DisconnectAsync(true);
    }

    [Fact]
    public async Task Garbage_instead_of_a_tls_handshake_on_995_is_cut_off()
    {
        await using var raw = await RawClient.ConnectAsync(TestServer.Inside, _server.Pop3sPort);
        await raw.SendAsync("USER steady\r\nPASS pw\r\n" + new string('x', 5000));
        Assert.True(await raw.ClosedByServerAsync());
    }

    [Theory]
    [InlineData(System.Security.Authentication.SslProtocols.Tls12)]
    [InlineData(System.Security.Authentication.SslProtocols.Tls13)]
    public async Task Pop3s_speaks_tls_1_2_and_1_3(System.Security.Authentication.SslProtocols protocol)
    {
        using var client = new MailKit.Net.Pop3.Pop3Client { SslProtocols = protocol, ServerCertificateValidationCallback = (_, _, _, _) => true };
        await client.ConnectAsync("127.0.0.1", _server.Pop3sPort, SecureSocketOptions.SslOnConnect);
        Assert.Equal(protocol, client.SslProtocol);
        await client.AuthenticateAsync(protocol == System.Security.Authentication.SslProtocols.Tls12 ? "tls12" : "tls13", "pw");
        Assert.Equal(1, client.Count);
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task An_endless_line_is_refused_and_the_session_goes_on_after_it()
    {
        await using var raw = await RawClient.ConnectAsync(TestServer.Inside, _server.Pop3Port);
        await raw.ReadLineAsync();
        var endless = new string('A', 100_000);
        await raw.SendAsync(endless);
        await raw.SendAsync(endless + "\r\nCAPA\r\n");
        Assert.Equal("-ERR line too long", await raw.ReadLineAsync());
        Assert.StartsWith("+OK", await raw.ReadLineAsync());
    }

    [Fact]
    public async Task Ten_bad_commands_close_the_session()
    {
        await using var raw = await RawClient.ConnectAsync(TestServer.Inside, _server.Pop3Port);
        await raw.ReadLineAsync();
        for (var i = 0; i < 9; i++) Assert.StartsWith("-ERR", await raw.CommandAsync("XYZZY"));
        Assert.StartsWith("-ERR", await raw.CommandAsync("XYZZY"));
        Assert.StartsWith("-ERR [SYS/PERM]", await raw.ReadLineAsync());
        Assert.True(await raw.ClosedByServerAsync());
    }

    [Fact]
    public async Task An_idle_session_is_logged_out()
    {
        await using var raw = await RawClient.ConnectAsync(TestServer.Inside, _server.Pop3Port);
        await raw.ReadLineAsync();
        Assert.StartsWith("-ERR autologout", await raw.ReadLineAsync());
        Assert.True(await raw.ClosedByServerAsync());
    }

    [Fact]
    public async Task A_client_that_stops_reading_in_the_middle_of_a_retr_loses_the_connection_and_its_mailbox_lock()
    {
        await _server.AddUserAsync("stalled", "pw");
        await _server.DeliverAsync("stalled", "Subject: big\n\n" + string.Concat(Enumerable.Repeat(new string('x', 998) + "\n", 16_000)));
        await using var stalled = await RawClient.ConnectAsync(TestServer.Inside, _server.Pop3Port, receiveBuffer: 4096);
        Assert.StartsWith("+OK", await stalled.LoginAsync("stalled", "pw"));
        await stalled.SendAsync("RETR 1\r\n"); // and never reads the 16 MB

        // Idle (2 s here) ends the session; its farewell cannot be flushed to a client that does not read, so
        // the connection is closed after the grace (5 s) regardless, and the mailbox is free again.
        await Eventually.AssertAsync(async () =>
        {
            await using var again = await RawClient.ConnectAsync(TestServer.Inside, _server.Pop3Port);
            return (await again.LoginAsync("stalled", "pw"))?.StartsWith("+OK") == true;
        }, "the mailbox is free again", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Connections_from_one_outside_address_are_limited_but_inside_ones_are_not()
    {
        await using var one = await RawClient.ConnectAsync(TestServer.Outside, _server.Pop3Port);
        await using var two = await RawClient.ConnectAsync(TestServer.Outside, _server.Pop3Port);
        Assert.StartsWith("+OK", await one.ReadLineAsync());
        Assert.StartsWith("+OK", await two.ReadLineAsync());
        await using (var three = await RawClient.ConnectAsync(TestServer.Outside, _server.Pop3Port))
        {
            Assert.StartsWith("-ERR [SYS/TEMP]", await three.ReadLineAsync());
            Assert.True(await three.ClosedByServerAsync());
        }

        var inside = new List<RawClient>();
        for (var i = 0; i < 3; i++)
        {
            inside.Add(await RawClient.ConnectAsync(TestServer.Inside, _server.Pop3Port));
            Assert.StartsWith("+OK", await inside[^1].ReadLineAsync());
        }
        foreach (var c in inside) await c.DisposeAsync();
    }

    [Fact]
    public async Task Half_a_line_of_clear_text_after_stls_is_not_prefixed_to_the_first_tls_line()
    {
        await using var raw = await RawClient.ConnectAsync(TestServer.Inside, _server.Pop3Port);
        await raw.ReadLineAsync();
        await raw.SendAsync("STLS\r\nUSER x");
        Assert.StartsWith("+OK", await raw.ReadLineAsync());
        await raw.StartTlsAsync();
        // Had "USER x" been kept, this would arrive as "USER xCAPA" and be answered "+OK send your password".
        Assert.Equal("+OK capability list follows", await raw.CommandAsync("CAPA"));
    }

    [Fact]
    public async Task Clear_text_pipelined_after_stls_is_discarded()
    {
        await using var raw = await RawClient.ConnectAsync(TestServer.Inside, _server.Pop3Port);
        await raw.ReadLineAsync();
        await raw.SendAsync("STLS\r\nUSER stls\r\n");
        Assert.StartsWith("+OK", await raw.ReadLineAsync());
        await raw.StartTlsAsync();
        // Had "USER stls" survived the switch, PASS would be accepted here.
        Assert.StartsWith("-ERR", await raw.CommandAsync("PASS pw"));
        Assert.StartsWith("+OK", await raw.CommandAsync("USER stls"));
        Assert.StartsWith("+OK maildrop", await raw.CommandAsync("PASS pw"));
    }
}
