using System.Diagnostics;
using System.Net;
using MailActors.Tests.Support;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace MailActors.Tests.Smtp;

/// <summary>Submission over implicit TLS on 465 (docs/spec.md §3, RFC 8314): the policy of 587, TLS from the first byte, AUTH at once.</summary>
[Trait("Category", "Slow")]
public sealed class SubmissionsTests(SmtpServerFixture fixture) : IClassFixture<SmtpServerFixture>
{
    private TestServer Server => fixture.Server;

    private async Task<int> QueuedFor(string recipient) =>
        (await Server.Services.Intake.ListQueueAsync()).Count(e => e.Recipient == recipient);

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.3")]
    public async Task Campus_clients_submit_over_implicit_tls_without_credentials(string from)
    {
        var recipient = $"submissions-campus-{from}@remote.test";
        using var client = await SmtpClients.ConnectAsync(Server, IPAddress.Parse(from), Server.SubmissionsPort, SecureSocketOptions.SslOnConnect);
        Assert.True(client.IsSecure);
        await client.SendAsync(SmtpClients.Message("alice@example.test", recipient));
        await client.DisconnectAsync(true);
        Assert.Equal(1, await QueuedFor(recipient));
    }

    [Fact]
    public async Task Outside_clients_are_offered_auth_at_once_and_no_starttls()
    {
        using var client = await SmtpClients.ConnectAsync(Server, TestServer.Outside, Server.SubmissionsPort, SecureSocketOptions.SslOnConnect);
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Authentication));
        Assert.False(client.Capabilities.HasFlag(SmtpCapabilities.StartTLS));
        Assert.Contains("PLAIN", client.AuthenticationMechanisms);
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task Outside_mail_without_a_grant_or_auth_is_refused_at_mail_naming_the_pop_ports()
    {
        using var client = await SmtpClients.ConnectAsync(Server, TestServer.Outside, Server.SubmissionsPort, SecureSocketOptions.SslOnConnect);
        // MailKit turns a 530 into ServiceNotAuthenticatedException
        var e = await Assert.ThrowsAsync<MailKit.ServiceNotAuthenticatedException>(() =>
            client.SendAsync(SmtpClients.Message("alice@example.test", "submissions-refused@remote.test")));
        Assert.StartsWith("5.7.0 authentication required", e.Message);
        Assert.Contains($"port {Server.Pop3sPort}", e.Message);
        Assert.Contains("or use AUTH", e.Message);
        Assert.DoesNotContain("STARTTLS", e.Message);
        Assert.Equal(0, await QueuedFor("submissions-refused@remote.test"));
    }

    [Fact]
    public async Task Outside_clients_with_auth_submit_and_the_message_names_the_account()
    {
        using var client = await SmtpClients.ConnectAsync(Server, TestServer.Outside, Server.SubmissionsPort, SecureSocketOptions.SslOnConnect);
        await client.AuthenticateAsync("alice", SmtpServerFixture.Password);
        await client.SendAsync(SmtpClients.Message("alice@example.test", "submissions-auth@remote.test"));
        await client.DisconnectAsync(true);
        var entry = Assert.Single(await Server.Services.Intake.ListQueueAsync(), e => e.Recipient == "submissions-auth@remote.test");
        Assert.Equal("alice", entry.RelayAccount);
        Assert.NotNull(entry.MessageId); // added on submission, as on 587
    }

    [NeedsProgramFact("/usr/bin/swaks", "swaks")]
    public async Task Swaks_from_outside_submits_with_auth_and_is_refused_without()
    {
        var refused = await Swaks("submissions-swaks-refused@remote.test", auth: false);
        Assert.NotEqual(0, refused.Code);
        Assert.Contains("<~* 530 5.7.0", refused.Output); // "<~*": an error reply read over TLS

        var sent = await Swaks("submissions-swaks@remote.test", auth: true);
        Assert.True(sent.Code == 0, sent.Output);
        Assert.Contains("<~  235", sent.Output); // "<~" marks a reply read over TLS
        Assert.Equal(1, await QueuedFor("submissions-swaks@remote.test"));
    }

    private async Task<(int Code, string Output)> Swaks(string to, bool auth)
    {
        var start = new ProcessStartInfo("swaks") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--server", $"127.0.0.1:{Server.SubmissionsPort}", "--tls-on-connect", "--local-interface", "127.0.0.2",
                     "--from", "alice@example.test", "--to", to, "--helo", "client.test", "--timeout", "30" })
            start.ArgumentList.Add(a);
        if (auth)
            foreach (var a in new[] { "--auth", "PLAIN", "--auth-user", "alice", "--auth-password", SmtpServerFixture.Password })
                start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }
}
