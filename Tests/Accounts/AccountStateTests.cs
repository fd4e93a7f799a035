using System.Text.Json;
using MailActors.Tests.Support;
using MailKit.Security;

namespace MailActors.Tests.Accounts;

/// <summary><c>user disable|enable</c> on a running server (docs/spec.md §4): no login anywhere, no grant, no mail in, mail kept.</summary>
[Trait("Category", "Slow")]
public sealed class AccountStateTests : IAsyncLifetime
{
    private const string Password = "carol-login-pw", ApopSecret = "carol-apop-secret";
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(admin: true);
        await _server.AddUserAsync("carol", Password, ApopSecret);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Task<(int Code, string Out, string Err)> CliAsync(params string[] args) => MailActorsCli.RunAsync(_server.ConfigFile(), "", args);

    private async Task<string?> PopLoginAsync(string password)
    {
        await using var raw = await RawClient.ConnectAsync(TestServer.Inside, _server.Pop3Port);
        return await raw.LoginAsync("carol", password);
    }

    private async Task<string?> ApopLoginAsync(string secret)
    {
        await using var raw = await RawClient.ConnectAsync(TestServer.Outside, _server.ApopPort);
        var greeting = (await raw.ReadLineAsync())!;
        return await raw.CommandAsync($"APOP carol {MailActors.Accounts.ApopDigest.Compute(greeting[greeting.IndexOf('<')..], secret)}");
    }

    /// <summary>As MailKit reports a refusal: "535: 5.7.8 ...".</summary>
    private async Task<string> SmtpAuthAsync(string password)
    {
        using var smtp = await SmtpClients.ConnectAsync(_server, TestServer.Outside, _server.SubmissionPort, SecureSocketOptions.StartTls);
        try
        {
            await smtp.AuthenticateAsync("carol", password);
            return "235";
        }
        catch (AuthenticationException e)
        {
            return e.Message;
        }
    }

    private async Task<string?> RcptAsync()
    {
        await using var raw = await RawClient.ConnectAsync(TestServer.Outside, _server.SmtpPort);
        await raw.ReadReplyAsync();
        await raw.SmtpCommandAsync("EHLO client.test");
        await raw.SmtpCommandAsync("MAIL FROM:<someone@far.test>");
        return await raw.SmtpCommandAsync("RCPT TO:<carol@example.test>");
    }

    [Fact]
    public async Task A_disabled_account_cannot_log_in_anywhere_loses_its_grants_refuses_mail_and_keeps_its_mail()
    {
        await _server.DeliverAsync("carol", "Subject: before\r\n\r\nkept\r\n");
        using (var pop = await Pop3Clients.ConnectAsync(_server, TestServer.Outside, _server.Pop3sPort, SecureSocketOptions.SslOnConnect))
            await pop.AuthenticateAsync("carol", Password);
        Assert.NotNull(await _server.GrantForAsync(TestServer.Outside));

        Assert.Equal((0, "carol is disabled"), await CliAsync("user", "disable", "carol") is var d ? (d.Code, d.Out.Trim()) : default);
        await Eventually.AssertAsync(async () => await _server.GrantForAsync(TestServer.Outside) is null, "the grant is revoked", TimeSpan.FromSeconds(2));

        // Only the right secret learns that the account is disabled; a wrong one gets the ordinary failure.
        Assert.StartsWith("-ERR [SYS/PERM] account disabled", await PopLoginAsync(Password));
        Assert.Equal("-ERR [AUTH] authentication failed", await PopLoginAsync("wrong"));
        Assert.StartsWith("-ERR [SYS/PERM] account disabled", await ApopLoginAsync(ApopSecret));
        Assert.Equal("-ERR [AUTH] authentication failed", await ApopLoginAsync("wrong"));
        Assert.StartsWith("535: 5.7.8 account disabled", await SmtpAuthAsync(Password));
        Assert.StartsWith("535: 5.7.8 authentication credentials invalid", await SmtpAuthAsync("wrong"));
        using (var pop = await Pop3Clients.ConnectAsync(_server, TestServer.Outside, _server.Pop3sPort, SecureSocketOptions.SslOnConnect))
            await Assert.ThrowsAsync<AuthenticationException>(() => pop.AuthenticateAsync("carol", Password));
        Assert.Null(await _server.GrantForAsync(TestServer.Outside));   // no grant earned

        Assert.StartsWith("550 5.2.1 <carol@example.test>", await RcptAsync());
        Assert.Matches(@"(?m)^carol\tdisabled\tapop=yes\t", (await CliAsync("user", "list")).Out);
        Assert.Single(await _server.Services.Messages.ListMessagesAsync("carol"));

        Assert.Equal(0, (await CliAsync("user", "enable", "carol")).Code);
        Assert.StartsWith("250", await RcptAsync());
        using (var pop = await Pop3Clients.ConnectAsync(_server, TestServer.Outside, _server.Pop3sPort, SecureSocketOptions.SslOnConnect))
        {
            await pop.AuthenticateAsync("carol", Password);
            Assert.Equal("before", (await pop.GetMessageAsync(0)).Subject);
        }

        // The node writes its audit stream after it answered the command: read until both changes are there.
        List<(string?, string?)> changes = [];
        await Eventually.AssertAsync(async () =>
        {
            var audit = await CliAsync("audit", "--kind", "admin-changed", "--format", "json");
            changes = audit.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement)
                .Select(e => (e.GetProperty("action").GetString(), e.GetProperty("target").GetString())).ToList();
            return changes.Count >= 2;
        }, "both admin changes are in the journal", TimeSpan.FromSeconds(60));
        Assert.Equal([("user disable", "carol"), ("user enable", "carol")], changes);
    }

    [Fact]
    public async Task Disabling_an_unknown_account_fails_with_one_line()
    {
        var result = await CliAsync("user", "disable", "nobody");
        Assert.Equal((1, "mailactors: no such account: nobody"), (result.Code, result.Err.Trim()));
    }
}
