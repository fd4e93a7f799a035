using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using MailActors.Tests.Support;

namespace MailActors.Tests.Hardening;

/// <summary>docs/spec.md §14 over real sockets: the attacks of issue 12 items 3, 4 and 8, re-run against a real server.</summary>
[Trait("Category", "Slow")]
public sealed class HostileClientTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync("""
            mailactors.limits { data-timeout = 3s, data-in-memory = 16KiB }
            """);
        await _server.AddUserAsync("alice", "alice-pw");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<RawClient> SmtpAsync(System.Net.IPAddress from)
    {
        var raw = await RawClient.ConnectAsync(from, _server.SmtpPort);
        Assert.StartsWith("220", await raw.ReadReplyAsync());
        Assert.StartsWith("250", await raw.SmtpCommandAsync("EHLO client.test"));
        return raw;
    }

    /// <summary>MAIL, RCPT to alice and DATA, each accepted.</summary>
    private static async Task OpenDataAsync(RawClient raw)
    {
        Assert.StartsWith("250", await raw.SmtpCommandAsync("MAIL FROM:<a@b.example>"));
        Assert.StartsWith("250", await raw.SmtpCommandAsync("RCPT TO:<alice@example.test>"));
        Assert.StartsWith("354", await raw.SmtpCommandAsync("DATA"));
    }

    private string SpoolDirectory => Path.Combine(_server.DataDir, "spool");

    [Fact]
    public async Task A_cr_in_a_quoted_sender_is_refused_and_never_reaches_a_stored_header()
    {
        await using var raw = await SmtpAsync(TestServer.Inside);
        Assert.StartsWith("501 5.1.7", await raw.SmtpCommandAsync("MAIL FROM:<\"a\rX-Injected: 1\"@b.example>"));
        Assert.StartsWith("250", await raw.SmtpCommandAsync("MAIL FROM:<a@b.example>"));
        Assert.StartsWith("501 5.1.3", await raw.SmtpCommandAsync("RCPT TO:<\"al\0ice\"@example.test>"));
        Assert.StartsWith("501 5.1.3", await raw.SmtpCommandAsync("RCPT TO:<al\x01ice@example.test>"));
    }

    [Fact]
    public async Task A_control_character_in_helo_reaches_neither_the_reply_nor_the_received_header()
    {
        await using var raw = await RawClient.ConnectAsync(TestServer.Inside, _server.SmtpPort);
        await raw.ReadReplyAsync();
        var ehlo = await raw.SmtpCommandAsync("EHLO evil\rX-Injected: 1");
        Assert.Contains("greets evilX-Injected:1", ehlo);
        await OpenDataAsync(raw);
        Assert.StartsWith("250", await raw.SmtpCommandAsync("Subject: helo\r\n\r\nbody\r\n."));
        var stored = await _server.Services.Messages.ListMessagesAsync("alice");
        var text = Encoding.Latin1.GetString((await _server.Services.Messages.ReadMessageAsync("alice", stored[^1].Id))!);
        Assert.Contains("Received: from evilX-Injected:1 (", text);
        Assert.DoesNotContain("\rX-Injected", text);
    }

    [Fact]
    public async Task Mail_to_this_servers_own_address_literal_is_refused_from_inside()
    {
        await using var raw = await SmtpAsync(TestServer.Inside);
        Assert.StartsWith("250", await raw.SmtpCommandAsync("MAIL FROM:<a@example.test>"));
        Assert.StartsWith("554 5.4.6", await raw.SmtpCommandAsync("RCPT TO:<x@[127.0.0.1]>"));
        Assert.StartsWith("554 5.4.6", await raw.SmtpCommandAsync("RCPT TO:<x@[IPv6:::1]>"));
    }

    [Fact]
    public async Task A_message_with_120_received_headers_is_refused_with_554_5_4_6()
    {
        await using var raw = await SmtpAsync(TestServer.Inside);
        await OpenDataAsync(raw);
        var hops = string.Concat(Enumerable.Range(0, 120).Select(i => $"Received: from h{i} by h{i + 1}; Sat, 5 Dec 2026 10:00:00 +0000\r\n"));
        Assert.StartsWith("554 5.4.6", await raw.SmtpCommandAsync(hops + "Subject: loop\r\n\r\nbody\r\n."));
        Assert.StartsWith("250", await raw.SmtpCommandAsync("NOOP"));
    }

    [Fact]
    public async Task A_100_kb_line_without_a_newline_on_pop3_is_answered_at_once()
    {
        await using var raw = await RawClient.ConnectAsync(TestServer.Inside, _server.Pop3Port);
        Assert.StartsWith("+OK", await raw.ReadLineAsync());
        await raw.SendAsync(new string('A', 100 * 1024));
        Assert.StartsWith("-ERR", await raw.ReadLineAsync());
        await raw.SendAsync("the end of that same line\r\n"); // discarded without a second reply
        Assert.StartsWith("+OK", await raw.CommandAsync("CAPA"));
    }

    [Fact]
    public async Task A_100_kb_command_line_on_smtp_is_answered_at_once()
    {
        await using var raw = await RawClient.ConnectAsync(TestServer.Inside, _server.SmtpPort);
        await raw.ReadReplyAsync();
        await raw.SendAsync(new string('A', 100 * 1024));
        Assert.StartsWith("500 5.5.2", await raw.ReadReplyAsync());
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_half_sent_message_is_spooled_to_a_0600_file_and_the_transfer_ends_at_the_data_timeout()
    {
        await using var raw = await SmtpAsync(TestServer.Outside);
        await OpenDataAsync(raw);
        var started = Stopwatch.StartNew();
        var line = new string('x', 900) + "\r\n";
        await raw.SendAsync("Subject: half\r\n\r\n" + string.Concat(Enumerable.Repeat(line, 40)));
        await Eventually.AssertAsync(() => Task.FromResult(Directory.GetFiles(SpoolDirectory).Length == 1), "the data goes to a spool file");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Directory.GetFiles(SpoolDirectory)[0]));
        // A byte now and then keeps the connection from being idle, but not the transfer from its deadline.
        var read = raw.ReadLineAsync();
        while (!read.IsCompleted && started.Elapsed < TimeSpan.FromSeconds(30))
        {
            try { await raw.SendAsync("y"); } catch (IOException) { break; }
            await Task.WhenAny(read, Task.Delay(TimeSpan.FromMilliseconds(300)));
        }
        var reply = await read;
        Assert.StartsWith("421 4.4.2", reply);
        Assert.True(started.Elapsed >= TimeSpan.FromSeconds(2.5), $"ended after {started.Elapsed}");
        await Eventually.AssertAsync(() => Task.FromResult(Directory.GetFiles(SpoolDirectory).Length == 0), "the spool file is deleted");
    }

    [Fact]
    public async Task A_tls_handshake_that_never_finishes_is_closed_after_10_seconds()
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new System.Net.IPEndPoint(TestServer.Outside, 0));
        await socket.ConnectAsync(System.Net.IPAddress.Loopback, _server.Pop3sPort);
        var started = Stopwatch.StartNew();
        await socket.SendAsync("\x16\x03\x01"u8.ToArray()); // the start of a ClientHello, and then nothing
        var buffer = new byte[256];
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(40));
        int n;
        try { while ((n = await socket.ReceiveAsync(buffer, patience.Token)) > 0) { } }
        catch (SocketException) { }
        Assert.InRange(started.Elapsed, TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(30));
    }
}
