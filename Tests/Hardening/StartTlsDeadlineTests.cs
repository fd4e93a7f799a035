using System.Diagnostics;
using MailActors.Tests.Support;

namespace MailActors.Tests.Hardening;

/// <summary>
/// docs/spec.md §14: a TLS handshake after <c>STLS</c>/<c>STARTTLS</c> must finish within the deadline, as an implicit one
/// must. A client that reads the go-ahead and then sends no ClientHello, or half of one, is closed, and its session ends:
/// its slot under the per-address connection limit is given back.
/// </summary>
[Trait("Category", "Slow")]
public sealed class StartTlsDeadlineTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(2);
    private const int SlotsPerAddress = 2;
    private TestServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await TestServer.StartAsync($$"""
            mailactors.limits { tls-handshake-timeout = {{Deadline.TotalSeconds}}s, max-connections-per-address = {{SlotsPerAddress}} }
            """);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public enum Listener { Pop3, Smtp, Submission }

    private int PortOf(Listener listener) => listener switch
    {
        Listener.Pop3 => _server.Pop3Port,
        Listener.Smtp => _server.SmtpPort,
        _ => _server.SubmissionPort,
    };

    /// <summary>Connects from outside and reads the greeting; on SMTP says EHLO as well. The greeting's first line.</summary>
    private async Task<(RawClient Client, string? Greeting)> ConnectAsync(Listener listener)
    {
        var raw = await RawClient.ConnectAsync(TestServer.Outside, PortOf(listener));
        if (listener == Listener.Pop3) return (raw, await raw.ReadLineAsync());
        var greeting = await raw.ReadReplyAsync();
        if (greeting?.StartsWith("220") == true) Assert.StartsWith("250", await raw.SmtpCommandAsync("EHLO client.test"));
        return (raw, greeting);
    }

    private static async Task StartTlsAsync(RawClient raw, Listener listener)
    {
        if (listener == Listener.Pop3) Assert.StartsWith("+OK", await raw.CommandAsync("STLS"));
        else Assert.StartsWith("220", await raw.SmtpCommandAsync("STARTTLS"));
    }

    [Theory]
    [InlineData(Listener.Pop3)]
    [InlineData(Listener.Smtp)]
    [InlineData(Listener.Submission)]
    public async Task A_client_that_stalls_after_starttls_is_closed_at_the_deadline_and_its_session_ends(Listener listener)
    {
        // Both of the address's slots, held by clients that ask for TLS and then stall.
        var silent = await ConnectAsync(listener);
        var half = await ConnectAsync(listener);
        await using (silent.Client)
        await using (half.Client)
        {
            Assert.DoesNotContain("too many", silent.Greeting + half.Greeting);
            await StartTlsAsync(silent.Client, listener);
            await StartTlsAsync(half.Client, listener);
            var started = Stopwatch.StartNew();
            await half.Client.SendBytesAsync([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]); // a ClientHello's first bytes

            Assert.True(await silent.Client.ClosedByServerAsync(), "the silent client is closed");
            Assert.True(await half.Client.ClosedByServerAsync(), "the client that sent half a ClientHello is closed");
            Assert.InRange(started.Elapsed, Deadline * 0.75, Deadline + TimeSpan.FromSeconds(15));
        }

        // The sessions ended: the address gets both its slots back (a session that lived on would hold one).
        await Eventually.AssertAsync(async () =>
        {
            var (one, two) = (await ConnectAsync(listener), await ConnectAsync(listener));
            await using (one.Client)
            await using (two.Client)
                return !(one.Greeting + two.Greeting).Contains("too many");
        }, "both slots of the address are free again", TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task A_client_that_finishes_its_handshake_in_time_is_served_past_the_deadline()
    {
        var (raw, _) = await ConnectAsync(Listener.Pop3);
        await using (raw)
        {
            await StartTlsAsync(raw, Listener.Pop3);
            await raw.StartTlsAsync();
            var started = Stopwatch.StartNew();
            while (started.Elapsed < Deadline * 2) // the deadline was the handshake's, not the session's
            {
                Assert.StartsWith("+OK", await raw.CommandAsync("CAPA"));
                while (await raw.ReadLineAsync() is { } line && line != ".") { }
            }
            Assert.StartsWith("+OK", await raw.CommandAsync("QUIT"));
        }
    }
}
