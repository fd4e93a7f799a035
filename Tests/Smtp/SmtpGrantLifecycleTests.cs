using System.Net;
using Akka.Actor;
using MailActors.Grants;
using MailActors.Tests.Support;
using MailKit.Security;

namespace MailActors.Tests.Smtp;

/// <summary>POP-before-SMTP end to end (docs/spec.md §7): refused → POP3S login → accepted → window passes → refused.</summary>
[Trait("Category", "Slow")]
public class SmtpGrantLifecycleTests
{
    /// <summary>Where the servers keep grants and mail; <see cref="SmtpGrantLifecycleOnPostgresTests"/> runs every test on PostgreSQL.</summary>
    protected virtual TestStorage Storage => TestStorage.Sqlite;

    internal const string Password = "alice-login-pw";
    private static readonly IPAddress OtherOutside = IPAddress.Parse("127.0.0.5");

    internal static async Task<string?> RelayReplyAsync(TestServer server, IPAddress from, int port, string recipient = "friend@remote.test")
    {
        await using var raw = await RawClient.ConnectAsync(from, port);
        await raw.ReadReplyAsync();
        await raw.SmtpCommandAsync("EHLO client.test");
        var mail = await raw.SmtpCommandAsync("MAIL FROM:<alice@example.test>");
        if (!mail!.StartsWith("250")) return mail;
        return await raw.SmtpCommandAsync($"RCPT TO:<{recipient}>");
    }

    internal static async Task PopLoginAsync(TestServer server, IPAddress from)
    {
        using var pop = await Pop3Clients.ConnectAsync(server, from, server.Pop3sPort, SecureSocketOptions.SslOnConnect);
        await pop.AuthenticateAsync("alice", Password);
        await pop.DisconnectAsync(true);
    }

    [Fact]
    public async Task A_pop3s_login_opens_sending_from_that_address_for_the_window_only()
    {
        await using var server = await TestServer.StartAsync("mailactors.pop-before-smtp.window = 3s", Storage);
        await server.AddUserAsync("alice", Password);

        Assert.StartsWith("554 5.7.1", await RelayReplyAsync(server, TestServer.Outside, server.SmtpPort));
        Assert.StartsWith("530 5.7.0", await RelayReplyAsync(server, TestServer.Outside, server.SubmissionPort));

        await PopLoginAsync(server, TestServer.Outside);
        var grant = (await server.GrantForAsync(TestServer.Outside))!;

        Assert.StartsWith("250", await RelayReplyAsync(server, TestServer.Outside, server.SmtpPort));
        Assert.StartsWith("250", await RelayReplyAsync(server, TestServer.Outside, server.SubmissionPort));
        Assert.StartsWith("554 5.7.1", await RelayReplyAsync(server, OtherOutside, server.SmtpPort)); // another address

        await Eventually.AssertAsync(async () => (await RelayReplyAsync(server, TestServer.Outside, server.SmtpPort))!.StartsWith("554 5.7.1"),
            "relaying is refused once the window has passed", TimeSpan.FromSeconds(10));
        Assert.True(DateTime.UtcNow >= grant.ExpiresAt, "refused only after the window, never before");
    }

    [Fact]
    public async Task A_relayed_message_records_whose_grant_let_it_out_and_is_queued_durably()
    {
        await using var server = await TestServer.StartAsync(storage: Storage);
        await server.AddUserAsync("alice", Password);
        await PopLoginAsync(server, TestServer.Outside);

        using (var client = await SmtpClients.ConnectAsync(server, TestServer.Outside, server.SubmissionPort))
        {
            await client.SendAsync(SmtpClients.Message("alice@example.test", "friend@remote.test", "via grant"));
            await client.DisconnectAsync(true);
        }
        await server.RestartAsync();
        var entry = Assert.Single(await server.Services.Intake.ListQueueAsync());
        Assert.Equal("alice", entry.RelayAccount);
        Assert.Equal("friend@remote.test", entry.Recipient);
    }

    [Fact]
    public async Task A_grant_survives_a_restart_and_keeps_relaying_until_its_expiry()
    {
        await using var server = await TestServer.StartAsync("mailactors.pop-before-smtp.window = 5s", Storage);
        await server.AddUserAsync("alice", Password);
        await PopLoginAsync(server, TestServer.Outside);
        var grant = (await server.GrantForAsync(TestServer.Outside))!;
        await server.RestartAsync();
        if (DateTime.UtcNow < grant.ExpiresAt - TimeSpan.FromSeconds(1))
            Assert.StartsWith("250", await RelayReplyAsync(server, TestServer.Outside, server.SmtpPort));
        await Eventually.AssertAsync(async () => (await RelayReplyAsync(server, TestServer.Outside, server.SmtpPort))!.StartsWith("554"),
            "the recovered grant still expires", TimeSpan.FromSeconds(10));
        Assert.True(DateTime.UtcNow >= grant.ExpiresAt);
    }

    [Fact]
    public async Task Revoking_the_accounts_grants_closes_the_relay_at_once()
    {
        await using var server = await TestServer.StartAsync(storage: Storage);
        await server.AddUserAsync("alice", Password);
        await PopLoginAsync(server, TestServer.Outside);
        Assert.StartsWith("250", await RelayReplyAsync(server, TestServer.Outside, server.SmtpPort));

        await server.GrantLedger.Ask<GrantLedgerProtocol.Revoked>(new GrantLedgerProtocol.RevokeAccount("alice", "password changed"), TimeSpan.FromSeconds(5));

        Assert.StartsWith("554 5.7.1", await RelayReplyAsync(server, TestServer.Outside, server.SmtpPort));
    }

    [Fact]
    public async Task With_bind_sender_a_grant_sends_only_as_its_own_account()
    {
        await using var server = await TestServer.StartAsync("mailactors.pop-before-smtp.bind-sender = on", Storage);
        await server.AddUserAsync("alice", Password);
        await PopLoginAsync(server, TestServer.Outside);
        await using var raw = await RawClient.ConnectAsync(TestServer.Outside, server.SmtpPort);
        await raw.ReadReplyAsync();
        await raw.SmtpCommandAsync("EHLO client.test");
        await raw.SmtpCommandAsync("MAIL FROM:<bob@example.test>");
        Assert.StartsWith("553 5.7.1", await raw.SmtpCommandAsync("RCPT TO:<friend@remote.test>"));
        await raw.SmtpCommandAsync("RSET");
        await raw.SmtpCommandAsync("MAIL FROM:<alice@example.test>");
        Assert.StartsWith("250", await raw.SmtpCommandAsync("RCPT TO:<friend@remote.test>"));
    }
}

/// <summary>The same lifecycle with the grant journal and the queue on PostgreSQL: grants survive a restart there too.</summary>
[Trait("Category", "Slow")]
public sealed class SmtpGrantLifecycleOnPostgresTests : SmtpGrantLifecycleTests
{
    protected override TestStorage Storage => TestStorage.Postgres;
}
