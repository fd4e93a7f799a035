using MailActors.Tests.Support;
using MailKit.Net.Smtp;

namespace MailActors.Tests.Mailboxes;

/// <summary>
/// Aliases and quotas end to end (docs/spec.md §4): set with the real <c>mailactors</c> command line, met by a real SMTP
/// client (MailKit) from outside the campus, on a real server and SQLite file.
/// </summary>
[Trait("Category", "Slow")]
public sealed class AliasAndQuotaTests : IAsyncLifetime
{
    private TestServer _server = null!;
    private string _config = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        await _server.AddUserAsync("alice", "alice-pw");
        await _server.AddUserAsync("bob", "bob-pw");
        _config = _server.ConfigFile();
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<string> Cli(params string[] args)
    {
        var (code, output, error) = await MailActorsCli.RunAsync(_config, "", args);
        Assert.True(code == 0, $"mailactors {string.Join(' ', args)}: {error}");
        return output.Trim();
    }

    private async Task SendFromOutsideAsync(string to, string subject = "hello")
    {
        using var client = await SmtpClients.ConnectAsync(_server, TestServer.Outside, _server.SmtpPort);
        await client.SendAsync(SmtpClients.Message("someone@far.test", to, subject));
        await client.DisconnectAsync(true);
    }

    private async Task<int> CountAsync(string account) => (await _server.Services.Messages.ListMessagesAsync(account)).Count;

    [Fact]
    public async Task An_alias_delivers_locally_and_forwards_as_the_servers_own_mail_without_opening_the_relay_to_the_sender()
    {
        Assert.Equal("added team@example.test -> alice, bob, carol@remote.test", await Cli("alias", "add", "Team@example.test", "alice", "bob", "carol@remote.test"));
        await Cli("alias", "add", "a@example.test", "team@example.test");
        var loop = await MailActorsCli.RunAsync(_config, "", "alias", "add", "team@example.test", "a@example.test");
        Assert.Equal(1, loop.Code);
        Assert.Equal("mailactors: alias team@example.test not added: alias loop: team@example.test -> a@example.test -> team@example.test", loop.Err.Trim());
        Assert.Equal("a@example.test\tteam@example.test\nteam@example.test\talice, bob, carol@remote.test", (await Cli("alias", "list")).ReplaceLineEndings("\n"));

        await SendFromOutsideAsync("a@example.test"); // an outside client with no grant: allowed, the address is local
        Assert.Equal(1, await CountAsync("alice"));
        Assert.Equal(1, await CountAsync("bob"));
        var queued = Assert.Single(await _server.Services.Intake.ListQueueAsync());
        Assert.Equal("carol@remote.test", queued.Recipient);
        Assert.Equal("someone@far.test", queued.EnvelopeFrom); // the original envelope sender is kept

        var direct = await Assert.ThrowsAsync<SmtpCommandException>(() => SendFromOutsideAsync("carol@remote.test"));
        Assert.Equal(SmtpStatusCode.TransactionFailed, direct.StatusCode); // 554: the alias opened nothing to its targets
        Assert.Single(await _server.Services.Intake.ListQueueAsync());

        var unknown = await Assert.ThrowsAsync<SmtpCommandException>(() => SendFromOutsideAsync("nobody@example.test"));
        Assert.Equal(SmtpStatusCode.MailboxUnavailable, unknown.StatusCode);
        await Cli("alias", "add", "*@example.test", "bob");
        await SendFromOutsideAsync("nobody@example.test"); // the catch-all takes names that are neither accounts nor aliases
        Assert.Equal(2, await CountAsync("bob"));
        Assert.Equal(1, await CountAsync("alice"));

        Assert.Equal("deleted team@example.test", await Cli("alias", "del", "team@example.test"));
        await SendFromOutsideAsync("a@example.test"); // a -> team@ -> (no alias, no account) -> the catch-all
        Assert.Equal(3, await CountAsync("bob"));
    }

    [Fact]
    public async Task A_full_mailbox_refuses_at_rcpt_with_452_nothing_is_half_delivered_and_deleting_mail_makes_room()
    {
        Assert.StartsWith("quota of bob: size=0 B/1 GiB\tmessages=0/2 (own)", await Cli("user", "quota", "bob", "--messages", "2"));
        await Cli("alias", "add", "both@example.test", "alice", "bob");
        await SendFromOutsideAsync("bob@example.test");
        await SendFromOutsideAsync("both@example.test");
        Assert.Equal(2, await CountAsync("bob"));

        var full = await Assert.ThrowsAsync<SmtpCommandException>(() => SendFromOutsideAsync("bob@example.test"));
        Assert.Equal(SmtpStatusCode.InsufficientStorage, full.StatusCode);
        Assert.Contains("4.2.2", full.Message);
        await Assert.ThrowsAsync<SmtpCommandException>(() => SendFromOutsideAsync("both@example.test"));
        Assert.Equal(1, await CountAsync("alice")); // the alias was refused whole: alice got no copy of it
        Assert.Matches(@"(?m)^bob\t.*\tmessages=2/2 \(own\)$", await Cli("user", "list"));

        var oldest = (await _server.Services.Messages.ListMessagesAsync("bob"))[0];
        await _server.Services.Messages.DeleteMessagesAsync("bob", [oldest.Id]);
        await SendFromOutsideAsync("bob@example.test");
        Assert.Equal(2, await CountAsync("bob"));

        Assert.StartsWith("quota of bob: size=", await Cli("user", "quota", "bob", "--messages", "default", "--size", "100B"));
        var bySize = await Assert.ThrowsAsync<SmtpCommandException>(() => SendFromOutsideAsync("bob@example.test"));
        Assert.Equal(SmtpStatusCode.InsufficientStorage, bySize.StatusCode);
    }

    [Fact]
    public async Task A_disabled_account_refuses_with_550_5_2_1_directly_and_alone_behind_an_alias_and_the_catch_all_never_takes_its_mail()
    {
        await Cli("alias", "add", "*@example.test", "bob");
        await Cli("alias", "add", "both@example.test", "alice", "bob");
        await Cli("alias", "add", "solo@example.test", "alice");
        await Cli("user", "disable", "alice");

        var direct = await Assert.ThrowsAsync<SmtpCommandException>(() => SendFromOutsideAsync("alice@example.test"));
        Assert.Equal(SmtpStatusCode.MailboxUnavailable, direct.StatusCode);
        Assert.Contains("5.2.1", direct.Message);
        var alone = await Assert.ThrowsAsync<SmtpCommandException>(() => SendFromOutsideAsync("solo@example.test"));
        Assert.Contains("5.2.1", alone.Message);
        Assert.Equal(0, await CountAsync("bob")); // the catch-all took neither: alice is still an account

        await SendFromOutsideAsync("both@example.test"); // the live member still gets the alias's mail
        Assert.Equal(1, await CountAsync("bob"));
        Assert.Equal(0, await CountAsync("alice"));

        await Cli("user", "enable", "alice");
        await SendFromOutsideAsync("solo@example.test");
        Assert.Equal(1, await CountAsync("alice"));
    }
}
