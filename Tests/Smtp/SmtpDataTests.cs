using System.Text;
using MailActors.Tests.Support;
using MailKit.Security;

namespace MailActors.Tests.Smtp;

/// <summary>DATA over real sockets: smuggling sequences, limits, pipelining, what arrives in the mailbox.</summary>
[Trait("Category", "Slow")]
public sealed class SmtpDataTests(SmtpServerFixture fixture) : IClassFixture<SmtpServerFixture>
{
    private TestServer Server => fixture.Server;

    private async Task<RawClient> TransactionAsync(string recipient = "alice@example.test")
    {
        var raw = await RawClient.ConnectAsync(TestServer.Inside, Server.SmtpPort);
        await raw.ReadReplyAsync();
        await raw.SmtpCommandAsync("EHLO client.test");
        Assert.StartsWith("250", await raw.SmtpCommandAsync("MAIL FROM:<sender@example.test>"));
        Assert.StartsWith("250", await raw.SmtpCommandAsync($"RCPT TO:<{recipient}>"));
        Assert.StartsWith("354", await raw.SmtpCommandAsync("DATA"));
        return raw;
    }

    private async Task<int> CountAsync(string account) => (await Server.Services.Messages.ListMessagesAsync(account)).Count;

    [Theory]
    [InlineData("\n.\n")]
    [InlineData("\r.\r")]
    [InlineData("\n.\r\n")]
    [InlineData("\r\n.\n")]
    public async Task A_smuggling_sequence_neither_ends_nor_splits_the_message(string sequence)
    {
        var before = await CountAsync("bob");
        await using var raw = await TransactionAsync("bob@example.test");
        await raw.SendAsync("Subject: smuggle\r\n\r\nfirst part" + sequence +
                            "MAIL FROM:<evil@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\nSubject: smuggled\r\n\r\nsecond\r\n.\r\n");
        var reply = await raw.ReadReplyAsync();
        Assert.StartsWith("554 5.6.11", reply); // one reply for the whole: the message is refused at its real end
        Assert.StartsWith("250", await raw.SmtpCommandAsync("NOOP")); // and nothing more was taken as commands
        Assert.Equal(before, await CountAsync("bob"));
    }

    [Fact]
    public async Task A_line_over_998_octets_is_refused_and_the_session_goes_on()
    {
        await using var raw = await TransactionAsync();
        await raw.SendAsync("Subject: long\r\n\r\n" + new string('x', 999) + "\r\n.\r\n");
        Assert.StartsWith("500 5.5.2", await raw.ReadReplyAsync());
        Assert.StartsWith("250", await raw.SmtpCommandAsync("MAIL FROM:<sender@example.test>"));
    }

    [Fact]
    public async Task A_line_over_the_transport_limit_is_refused_too()
    {
        await using var raw = await TransactionAsync();
        await raw.SendAsync("Subject: longer\r\n\r\n" + new string('y', 5000) + "\r\n.\r\n");
        Assert.StartsWith("500 5.5.2", await raw.ReadReplyAsync());
    }

    [Fact]
    public async Task A_message_over_the_size_limit_is_refused_with_552()
    {
        await using var raw = await RawClient.ConnectAsync(TestServer.Inside, Server.SmtpPort);
        await raw.ReadReplyAsync();
        var ehlo = await raw.SmtpCommandAsync("EHLO client.test");
        Assert.Contains("SIZE 65536", ehlo);
        Assert.StartsWith("552 5.3.4", await raw.SmtpCommandAsync("MAIL FROM:<sender@example.test> SIZE=70000"));
        await raw.SmtpCommandAsync("MAIL FROM:<sender@example.test>");
        await raw.SmtpCommandAsync("RCPT TO:<alice@example.test>");
        await raw.SmtpCommandAsync("DATA");
        var line = new string('z', 900) + "\r\n";
        await raw.SendAsync("Subject: big\r\n\r\n" + string.Concat(Enumerable.Repeat(line, 80)) + ".\r\n");
        Assert.StartsWith("552 5.3.4", await raw.ReadReplyAsync());
    }

    [Fact]
    public async Task Pipelined_commands_are_answered_in_order()
    {
        await using var raw = await RawClient.ConnectAsync(TestServer.Inside, Server.SmtpPort);
        await raw.ReadReplyAsync();
        await raw.SmtpCommandAsync("EHLO client.test");
        await raw.SendAsync("MAIL FROM:<sender@example.test>\r\nRCPT TO:<alice@example.test>\r\nRCPT TO:<nobody@example.test>\r\n" +
                            "RCPT TO:<bob@example.test>\r\nDATA\r\n");
        Assert.StartsWith("250 2.1.0", await raw.ReadReplyAsync());
        Assert.StartsWith("250 2.1.5", await raw.ReadReplyAsync());
        Assert.StartsWith("550 5.1.1", await raw.ReadReplyAsync());
        Assert.StartsWith("250 2.1.5", await raw.ReadReplyAsync());
        Assert.StartsWith("354", await raw.ReadReplyAsync());
        await raw.SendAsync("Subject: pipelined\r\n\r\nbody\r\n.\r\nNOOP\r\nQUIT\r\n");
        Assert.StartsWith("250 2.0.0", await raw.ReadReplyAsync());
        Assert.StartsWith("250", await raw.ReadReplyAsync());
        Assert.StartsWith("221", await raw.ReadReplyAsync());
    }

    [Fact]
    public async Task Submission_adds_message_id_and_date_when_missing()
    {
        await using (var raw = await RawClient.ConnectAsync(TestServer.Inside, Server.SubmissionPort))
        {
            await raw.ReadReplyAsync();
            await raw.SmtpCommandAsync("EHLO client.test");
            await raw.SmtpCommandAsync("MAIL FROM:<alice@example.test>");
            await raw.SmtpCommandAsync("RCPT TO:<bob@example.test>");
            await raw.SmtpCommandAsync("DATA");
            Assert.StartsWith("250", await raw.SmtpCommandAsync("Subject: bare submission\r\n\r\nhello\r\n."));
        }
        using var pop = await Pop3Clients.ConnectAsync(Server, TestServer.Inside, Server.Pop3Port, SecureSocketOptions.None);
        await pop.AuthenticateAsync("bob", "bob-pw");
        var messages = await pop.GetMessagesAsync(Enumerable.Range(0, pop.Count).ToList());
        var message = messages.Single(m => m.Subject == "bare submission");
        Assert.False(string.IsNullOrEmpty(message.MessageId));
        Assert.NotNull(message.Headers["Date"]);
        Assert.Contains("listener submission", message.Headers["Received"]);
        await pop.DisconnectAsync(true);
    }

    [Fact]
    public async Task Starttls_discards_pipelined_clear_text_and_resets_the_session()
    {
        await using var raw = await RawClient.ConnectAsync(TestServer.Inside, Server.SmtpPort);
        await raw.ReadReplyAsync();
        await raw.SmtpCommandAsync("EHLO client.test");
        await raw.SendAsync("STARTTLS\r\nMAIL FROM:<injected@example.test>\r\n");
        Assert.StartsWith("220", await raw.ReadReplyAsync());
        await raw.StartTlsAsync();
        Assert.StartsWith("503", await raw.SmtpCommandAsync("RCPT TO:<alice@example.test>")); // no MAIL carried over
        Assert.StartsWith("503 5.5.1", await raw.SmtpCommandAsync("MAIL FROM:<a@example.test>")); // and no EHLO either
        var ehlo = await raw.SmtpCommandAsync("EHLO client.test");
        Assert.Contains("AUTH PLAIN LOGIN", ehlo);
        Assert.DoesNotContain("STARTTLS", ehlo);
    }

    [Fact]
    public async Task Garbage_gets_errors_and_then_421_and_a_close()
    {
        await using var raw = await RawClient.ConnectAsync(TestServer.Outside, Server.SmtpPort);
        await raw.ReadReplyAsync();
        string? reply = null;
        for (var i = 0; i < 20; i++) reply = await raw.SmtpCommandAsync("XYZZY " + i);
        Assert.StartsWith("421 4.7.0", reply);
        Assert.True(await raw.ClosedByServerAsync());
        await using var other = await RawClient.ConnectAsync(TestServer.Outside, Server.SmtpPort);
        Assert.StartsWith("220", await other.ReadReplyAsync());
        Assert.StartsWith("500", await other.SmtpCommandAsync(Encoding.Latin1.GetString([0xff, 0x00, 0x01])));
    }
}
