using MailActors.Tests.Support;
using MailKit.Security;

namespace MailActors.Tests.Accounts;

/// <summary>
/// A real server with <c>accounts.source = "ldap"</c> against a real slapd (docs/spec.md §4): logins by POP3S, APOP
/// and SMTP AUTH with no local account, failures counted as for local ones, directory trouble temporary and never
/// counted, a user gone from the directory disabled with the mail kept.
/// </summary>
[Trait("Category", "Slow")]
public sealed class LdapLoginTests : IAsyncLifetime
{
    private SlapdServer _slapd = null!;
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        if (SlapdServer.Missing is not null) return;
        _slapd = await SlapdServer.StartAsync();
        await _slapd.AddUserAsync("alice", "alice-password", "alice@example.test");
        await _slapd.AddUserAsync("jdoe", "jdoe-password", "john.doe@example.test");
        _server = await TestServer.StartAsync(_slapd.Hocon() +
            "\nmailactors.limits.auth-failures { per-address = 50, per-account = 3, window = 1m, block = 1m, first-delay = 20ms, max-delay = 50ms }");
    }

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        if (_slapd is not null) await _slapd.DisposeAsync();
    }

    private async Task<string?> PopLoginAsync(string user, string password)
    {
        await using var raw = await RawClient.ConnectAsync(TestServer.Inside, _server.Pop3Port);
        return await raw.LoginAsync(user, password);
    }

    /// <summary>SMTP AUTH after STARTTLS on submission; the refusal as MailKit reports it ("454: 4.7.0 ..."), or "235" on success.</summary>
    private async Task<string> SmtpAuthAsync(string user, string password)
    {
        using var smtp = await SmtpClients.ConnectAsync(_server, TestServer.Outside, _server.SubmissionPort, SecureSocketOptions.StartTls);
        try
        {
            await smtp.AuthenticateAsync(user, password);
            return "235";
        }
        catch (Exception e) when (e is AuthenticationException or MailKit.Net.Smtp.SmtpCommandException)
        {
            return e.Message;
        }
    }

    [SlapdFact]
    public async Task A_directory_user_with_no_local_account_logs_in_by_pop3s_and_smtp_auth_and_receives_mail()
    {
        using (var pop = await Pop3Clients.ConnectAsync(_server, TestServer.Outside, _server.Pop3sPort, SecureSocketOptions.SslOnConnect))
        {
            await pop.AuthenticateAsync("jdoe", "jdoe-password");
            Assert.Equal(0, pop.Count);
            await pop.DisconnectAsync(true);
        }
        Assert.Equal("john.doe", (await _server.GrantForAsync(TestServer.Outside))?.Account);
        Assert.Equal("235", await SmtpAuthAsync("jdoe", "jdoe-password"));

        using (var smtp = await SmtpClients.ConnectAsync(_server, TestServer.Outside, _server.SmtpPort))
            await smtp.SendAsync(SmtpClients.Message("someone@far.test", "John.Doe@example.test", "for the directory user"));
        using (var pop = await Pop3Clients.ConnectAsync(_server, TestServer.Outside, _server.Pop3sPort, SecureSocketOptions.SslOnConnect))
        {
            await pop.AuthenticateAsync("jdoe@example.test", "jdoe-password");
            Assert.Equal("for the directory user", (await pop.GetMessageAsync(0)).Subject);
        }
    }

    [SlapdFact]
    public async Task Apop_uses_the_local_secret_which_user_apop_sets_before_the_first_login()
    {
        var set = await MailActorsCli.RunAsync(_server.ConfigFile(), "apop-only-secret\n", "user", "apop", "alice", "--secret-stdin");
        Assert.Equal((0, "APOP secret set for alice"), (set.Code, set.Out.Trim()));
        var unknown = await MailActorsCli.RunAsync(_server.ConfigFile(), "x-secret\n", "user", "apop", "nobody", "--secret-stdin");
        Assert.Equal((1, "mailactors: no such account: nobody"), (unknown.Code, unknown.Err.Trim()));

        await using var raw = await RawClient.ConnectAsync(TestServer.Outside, _server.ApopPort);
        var greeting = (await raw.ReadLineAsync())!;
        var digest = MailActors.Accounts.ApopDigest.Compute(greeting[greeting.IndexOf('<')..], "apop-only-secret");
        Assert.StartsWith("+OK", await raw.CommandAsync($"APOP alice {digest}"));

        var list = await MailActorsCli.RunAsync(_server.ConfigFile(), "", "user", "list");
        Assert.Matches(@"(?m)^alice\tactive\tapop=yes\tcreated=\S+\tdirectory=present\tsize=[^\t]+\tmessages=[^\t]+$", list.Out);
    }

    [SlapdFact]
    public async Task Wrong_passwords_checked_by_the_directory_count_toward_the_account_block()
    {
        for (var i = 0; i < 3; i++) Assert.Equal("-ERR [AUTH] authentication failed", await PopLoginAsync("alice", "wrong"));
        Assert.StartsWith("-ERR [LOGIN-DELAY]", await PopLoginAsync("alice", "alice-password"));
    }

    [SlapdFact]
    public async Task A_directory_that_does_not_answer_gives_temporary_failures_and_counts_nothing()
    {
        await _slapd.StopAsync();
        for (var i = 0; i < 4; i++) Assert.StartsWith("-ERR [SYS/TEMP]", await PopLoginAsync("alice", "wrong"));
        Assert.StartsWith("454: 4.7.0", await SmtpAuthAsync("alice", "alice-password"));
        await using (var raw = await RawClient.ConnectAsync(TestServer.Outside, _server.SmtpPort))
        {
            await raw.ReadReplyAsync();
            await raw.SmtpCommandAsync("EHLO client.test");
            await raw.SmtpCommandAsync("MAIL FROM:<someone@far.test>");
            Assert.StartsWith("451 4.3.0", await raw.SmtpCommandAsync("RCPT TO:<alice@example.test>"));
        }

        await _slapd.StartAgainAsync();
        Assert.StartsWith("+OK", await PopLoginAsync("alice", "alice-password"));   // four failures, none counted: not blocked
    }

    [SlapdFact]
    public async Task A_user_removed_from_the_directory_is_disabled_with_the_mail_kept_and_active_again_when_back()
    {
        using (var smtp = await SmtpClients.ConnectAsync(_server, TestServer.Outside, _server.SmtpPort))
            await smtp.SendAsync(SmtpClients.Message("someone@far.test", "alice@example.test", "kept"));
        await _slapd.DeleteUserAsync("alice");

        await using (var raw = await RawClient.ConnectAsync(TestServer.Outside, _server.SmtpPort))
        {
            await raw.ReadReplyAsync();
            await raw.SmtpCommandAsync("EHLO client.test");
            await raw.SmtpCommandAsync("MAIL FROM:<someone@far.test>");
            Assert.StartsWith("550 5.2.1", await raw.SmtpCommandAsync("RCPT TO:<alice@example.test>"));
            Assert.StartsWith("550 5.1.1", await raw.SmtpCommandAsync("RCPT TO:<never-was@example.test>"));
        }
        Assert.Equal("-ERR [AUTH] authentication failed", await PopLoginAsync("alice", "alice-password"));
        var list = await MailActorsCli.RunAsync(_server.ConfigFile(), "", "user", "list");
        Assert.Matches(@"(?m)^alice\tactive\tapop=no\tcreated=\S+\tdirectory=gone\tsize=[^\t]+\tmessages=[^\t]+$", list.Out);
        Assert.Single(await _server.Services.Messages.ListMessagesAsync("alice"));

        await _slapd.AddUserAsync("alice", "alice-password", "alice@example.test");
        using var pop = await Pop3Clients.ConnectAsync(_server, TestServer.Outside, _server.Pop3sPort, SecureSocketOptions.SslOnConnect);
        await pop.AuthenticateAsync("alice", "alice-password");
        Assert.Equal("kept", (await pop.GetMessageAsync(0)).Subject);
    }
}
