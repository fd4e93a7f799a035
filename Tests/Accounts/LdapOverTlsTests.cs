using System.Text.RegularExpressions;
using MailActors.Tests.Support;
using MailKit.Security;

namespace MailActors.Tests.Accounts;

/// <summary>
/// A real server checking passwords against a real slapd over TLS (docs/spec.md §4): by <c>ldaps://</c> and by
/// StartTLS on <c>ldap://</c>, trusting the directory's CA through <c>ca-dir</c>. A directory whose certificate does
/// not verify is a temporary failure, never a wrong password, and is sent no password at all (slapd's own log shows
/// every bind it received and over what).
/// </summary>
[Trait("Category", "Slow")]
public sealed class LdapOverTlsTests : IAsyncLifetime
{
    private const string AuthFailures =
        "\nmailactors.limits.auth-failures { per-address = 50, per-account = 3, window = 1m, block = 1m, first-delay = 20ms, max-delay = 50ms }";

    private SlapdServer _slapd = null!;
    private TestServer? _server;

    public async Task InitializeAsync()
    {
        if (SlapdServer.Missing is not null) return;
        _slapd = await SlapdServer.StartWithTlsAsync();
        await _slapd.AddUserAsync("jdoe", "jdoe-password", "john.doe@example.test");
    }

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        if (_slapd is not null) await _slapd.DisposeAsync();
    }

    private async Task<TestServer> ServerAsync(LdapTransport transport) =>
        _server = await TestServer.StartAsync(_slapd.Hocon(transport: transport) + AuthFailures);

    /// <summary>The security strength factor slapd logged for each bind as <paramref name="dn"/> (0: clear text).</summary>
    private List<int> BindsAs(string dn) =>
        _slapd.Log.Select(line => Regex.Match(line, $@"BIND dn=""{Regex.Escape(dn)}"" mech=SIMPLE bind_ssf=\d+ ssf=(\d+)"))
            .Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value)).ToList();

    /// <summary>The service account searched and the user's password was checked, each by binds over TLS only.</summary>
    private async Task AssertBindsOverTlsOnlyAsync()
    {
        await _slapd.StopAsync();   // and all it logged is read
        foreach (var dn in new[] { SlapdServer.ServiceDn, $"uid=jdoe,{SlapdServer.People}" })
        {
            var binds = BindsAs(dn);
            Assert.True(binds.Count > 0, $"no bind as {dn}");
            Assert.All(binds, ssf => Assert.True(ssf > 0, $"a bind as {dn} in clear text"));
        }
    }

    /// <summary>Since the directory last started.</summary>
    private bool AnyBindReceived() => _slapd.Log.Any(line => line.Contains(" BIND dn="));

    [SlapdFact]
    public async Task A_pop3s_login_is_checked_by_a_bind_over_ldaps()
    {
        var server = await ServerAsync(LdapTransport.Ldaps);
        using var pop = await Pop3Clients.ConnectAsync(server, TestServer.Outside, server.Pop3sPort, SecureSocketOptions.SslOnConnect);
        await pop.AuthenticateAsync("jdoe", "jdoe-password");
        Assert.Equal("john.doe", (await server.GrantForAsync(TestServer.Outside))?.Account);
        await AssertBindsOverTlsOnlyAsync();
    }

    [SlapdFact]
    public async Task Smtp_auth_is_checked_by_a_bind_after_starttls_with_the_directory()
    {
        var server = await ServerAsync(LdapTransport.StartTls);
        using var smtp = await SmtpClients.ConnectAsync(server, TestServer.Outside, server.SubmissionPort, SecureSocketOptions.StartTls);
        await smtp.AuthenticateAsync("jdoe", "jdoe-password");
        await AssertBindsOverTlsOnlyAsync();
        Assert.Contains(_slapd.Log, line => line.Contains(" STARTTLS"));
    }

    [SlapdTheory]
    [InlineData(LdapTransport.StartTls, DirectoryCertificate.FromAnotherCa)]
    [InlineData(LdapTransport.Ldaps, DirectoryCertificate.FromAnotherCa)]
    [InlineData(LdapTransport.Ldaps, DirectoryCertificate.ForAnotherHost)]
    [InlineData(LdapTransport.StartTls, DirectoryCertificate.ForAnotherHost)]
    public async Task A_directory_certificate_that_does_not_verify_is_a_temporary_failure_not_counted_and_sent_no_password(
        LdapTransport transport, DirectoryCertificate presented)
    {
        await _slapd.PresentAsync(presented);
        var server = await ServerAsync(transport);

        for (var i = 0; i < 4; i++)   // more than per-account = 3
        {
            await using var raw = await RawClient.ConnectAsync(TestServer.Inside, server.Pop3Port);
            Assert.StartsWith("-ERR [SYS/TEMP]", await raw.LoginAsync("jdoe", "jdoe-password"));
        }
        using (var smtp = await SmtpClients.ConnectAsync(server, TestServer.Outside, server.SubmissionPort, SecureSocketOptions.StartTls))
        {
            var refused = await Record.ExceptionAsync(() => smtp.AuthenticateAsync("jdoe", "jdoe-password"));
            Assert.StartsWith("454: 4.7.0", refused?.Message);
        }
        await _slapd.StopAsync();   // and all it logged is read
        Assert.False(AnyBindReceived(), "a bind reached the directory without TLS:\n" + string.Join("\n", _slapd.Log));

        await _slapd.PresentAsync(DirectoryCertificate.Trusted);
        await using var again = await RawClient.ConnectAsync(TestServer.Outside, server.Pop3sPort);
        await again.StartTlsAsync();
        Assert.StartsWith("+OK", await again.LoginAsync("jdoe", "jdoe-password"));   // five refusals, none counted: not blocked
    }
}
