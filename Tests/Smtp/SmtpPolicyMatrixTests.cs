using System.Net;
using System.Text;
using MailActors.Tests.Support;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace MailActors.Tests.Smtp;

/// <summary>Every SMTP cell of docs/spec.md §3: inside, dial-up, outside and behind a trusted PROXY header, on 25 and 587.</summary>
[Trait("Category", "Slow")]
public sealed class SmtpPolicyMatrixTests(SmtpServerFixture fixture) : IClassFixture<SmtpServerFixture>
{
    private static readonly IPAddress Proxy = IPAddress.Parse("127.0.0.4");
    private TestServer Server => fixture.Server;

    private async Task<int> QueuedFor(string recipient) =>
        (await Server.Services.Intake.ListQueueAsync()).Count(e => e.Recipient == recipient);

    [Theory]
    [InlineData("127.0.0.1", "smtp")]
    [InlineData("127.0.0.3", "smtp")]
    [InlineData("127.0.0.1", "submission")]
    [InlineData("127.0.0.3", "submission")]
    public async Task Campus_clients_relay_without_credentials(string from, string listener)
    {
        var recipient = $"campus-{from}-{listener}@remote.test";
        using var client = await SmtpClients.ConnectAsync(Server, IPAddress.Parse(from), listener == "smtp" ? Server.SmtpPort : Server.SubmissionPort);
        await client.SendAsync(SmtpClients.Message("alice@example.test", recipient));
        await client.DisconnectAsync(true);
        Assert.Equal(1, await QueuedFor(recipient));
    }

    [Fact]
    public async Task Outside_mail_to_a_local_user_on_25_is_accepted_and_retrievable_by_pop3()
    {
        using (var client = await SmtpClients.ConnectAsync(Server, TestServer.Outside, Server.SmtpPort))
        {
            await client.SendAsync(SmtpClients.Message("someone@far.test", "bob@example.test", "from afar"));
            await client.DisconnectAsync(true);
        }
        using var pop = await Pop3Clients.ConnectAsync(Server, TestServer.Inside, Server.Pop3Port, SecureSocketOptions.None);
        await pop.AuthenticateAsync("bob", "bob-pw");
        var message = await pop.GetMessageAsync(pop.Count - 1);
        Assert.Equal("from afar", message.Subject);
        Assert.Equal("<someone@far.test>", message.Headers["Return-Path"]);
        Assert.Contains("[127.0.0.2]", message.Headers["Received"]);
        Assert.Contains(".a line starting with a dot", message.TextBody); // dot-stuffing undone
        await pop.DisconnectAsync(true);
    }

    [Fact]
    public async Task Outside_relay_on_25_is_refused_with_554_explaining_pop_before_smtp()
    {
        await using var raw = await RawClient.ConnectAsync(TestServer.Outside, Server.SmtpPort);
        Assert.StartsWith("220 ", await raw.ReadReplyAsync());
        Assert.StartsWith("250", await raw.SmtpCommandAsync("EHLO client.test"));
        Assert.StartsWith("250", await raw.SmtpCommandAsync("MAIL FROM:<alice@example.test>"));
        var reply = await raw.SmtpCommandAsync("RCPT TO:<someone@remote.test>");
        Assert.StartsWith("554 5.7.1", reply);
        Assert.Contains("POP3", reply);
        Assert.Contains($"port {Server.Pop3sPort}", reply);
        Assert.Contains($"port {Server.ApopPort}", reply);
        Assert.StartsWith("250", await raw.SmtpCommandAsync("RCPT TO:<alice@example.test>"));
    }

    [Fact]
    public async Task Outside_submission_needs_a_grant_or_auth_already_at_mail()
    {
        await using var raw = await RawClient.ConnectAsync(TestServer.Outside, Server.SubmissionPort);
        await raw.ReadReplyAsync();
        await raw.SmtpCommandAsync("EHLO client.test");
        var reply = await raw.SmtpCommandAsync("MAIL FROM:<alice@example.test>");
        Assert.StartsWith("530 5.7.0", reply);
        Assert.Contains("POP3", reply);
    }

    [Fact]
    public async Task Mailkit_from_outside_cannot_relay_on_25()
    {
        using var client = await SmtpClients.ConnectAsync(Server, TestServer.Outside, Server.SmtpPort);
        var e = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(SmtpClients.Message("alice@example.test", "x@remote.test")));
        Assert.Equal(SmtpStatusCode.TransactionFailed, e.StatusCode);
    }

    [Fact]
    public async Task Auth_is_offered_only_after_starttls_and_then_lets_an_outside_client_submit()
    {
        await using (var raw = await RawClient.ConnectAsync(TestServer.Outside, Server.SubmissionPort))
        {
            await raw.ReadReplyAsync();
            var ehlo = await raw.SmtpCommandAsync("EHLO client.test");
            Assert.Contains("STARTTLS", ehlo);
            Assert.DoesNotContain("AUTH", ehlo);
            Assert.StartsWith("538 5.7.11", await raw.SmtpCommandAsync("AUTH PLAIN " + Convert.ToBase64String(Encoding.UTF8.GetBytes("\0alice\0" + SmtpServerFixture.Password))));
        }

        using var client = await SmtpClients.ConnectAsync(Server, TestServer.Outside, Server.SubmissionPort, SecureSocketOptions.StartTls);
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Authentication));
        await client.AuthenticateAsync("alice", SmtpServerFixture.Password);
        await client.SendAsync(SmtpClients.Message("alice@example.test", "auth-relay@remote.test"));
        await client.DisconnectAsync(true);
        var entry = Assert.Single(await Server.Services.Intake.ListQueueAsync(), e => e.Recipient == "auth-relay@remote.test");
        Assert.Equal("alice", entry.RelayAccount);
        Assert.NotNull(entry.MessageId);
    }

    [Fact]
    public async Task A_wrong_auth_password_gets_535()
    {
        using var client = await SmtpClients.ConnectAsync(Server, TestServer.Outside, Server.SubmissionPort, SecureSocketOptions.StartTls);
        await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync("alice", "wrong"));
    }

    [Theory]
    [InlineData("203.0.113.9", false)]
    [InlineData("10.1.2.3", true)]
    public async Task Behind_a_trusted_proxy_only_the_reported_address_decides_relay(string reported, bool relayed)
    {
        var header = Encoding.ASCII.GetBytes($"PROXY TCP4 {reported} 192.0.2.1 40000 25\r\n");
        await using var raw = await RawClient.ConnectAsync(Proxy, Server.SmtpPort, header);
        Assert.StartsWith("220 ", await raw.ReadReplyAsync());
        await raw.SmtpCommandAsync("EHLO client.test");
        await raw.SmtpCommandAsync("MAIL FROM:<alice@example.test>");
        var reply = await raw.SmtpCommandAsync($"RCPT TO:<proxied-{reported}@remote.test>");
        Assert.StartsWith(relayed ? "250" : "554 5.7.1", reply);
    }

    [Theory]
    [InlineData("<@example.test:someone@remote.test>")]
    [InlineData("<someone%remote.test@example.test>")]
    [InlineData("<\"someone@remote.test\"@example.test>")]
    [InlineData("<remote.test!someone@example.test>")]
    [InlineData("<someone@remote.test@example.test>")]
    [InlineData("<someone@remote.test.>")]
    public async Task No_recipient_trick_opens_the_relay_from_outside(string path)
    {
        await using var raw = await RawClient.ConnectAsync(TestServer.Outside, Server.SmtpPort);
        await raw.ReadReplyAsync();
        await raw.SmtpCommandAsync("EHLO client.test");
        await raw.SmtpCommandAsync("MAIL FROM:<alice@example.test>");
        var reply = await raw.SmtpCommandAsync($"RCPT TO:{path}");
        Assert.Matches("^(5|4)", reply);
        Assert.StartsWith("554", await raw.SmtpCommandAsync("DATA"));
    }

    [Fact]
    public async Task Vrfy_and_expn_answer_252_and_502()
    {
        await using var raw = await RawClient.ConnectAsync(TestServer.Outside, Server.SmtpPort);
        await raw.ReadReplyAsync();
        Assert.StartsWith("252", await raw.SmtpCommandAsync("VRFY alice"));
        Assert.StartsWith("502", await raw.SmtpCommandAsync("EXPN staff"));
        Assert.StartsWith("221", await raw.SmtpCommandAsync("QUIT"));
        Assert.True(await raw.ClosedByServerAsync());
    }
}
