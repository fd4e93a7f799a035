using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using MailActors.Certificates;
using MailActors.Tests.Support;
using MailKit.Security;

namespace MailActors.Tests.Certificates;

/// <summary>
/// The users' mail CA can vouch only for this server (docs/spec.md §15, issue 12 item 7): it carries critical Name
/// Constraints for the server's names and the local domains, so OpenSSL refuses anything else its key signs; and a node
/// runs with the CA key moved offline.
/// </summary>
[Trait("Category", "Slow")]
public sealed class CertificateAuthorityTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mailactors-ca-").FullName;
    private readonly CertificateAuthority _ca;

    public CertificateAuthorityTests()
    {
        _ca = new CertificateAuthority(_dir);
        _ca.Issue(["mail.example.test"], ["example.test", "lists.example.test"]);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_ca_carries_critical_name_constraints_and_a_limited_lifetime()
    {
        using var ca = X509CertificateLoader.LoadCertificateFromFile(_ca.CaFile);
        var constraints = ca.Extensions[NameConstraints.Oid];
        Assert.NotNull(constraints);
        Assert.True(constraints.Critical);
        Assert.True(ca.NotAfter - ca.NotBefore <= TimeSpan.FromDays(5 * 365 + 2));
        var text = OpenSsl("x509", "-in", _ca.CaFile, "-noout", "-ext", "nameConstraints").Out;
        foreach (var permitted in new[] { "DNS:mail.example.test", "DNS:localhost", "IP:127.0.0.1/255.255.255.255", "DNS:example.test", "email:example.test" })
            Assert.Contains(permitted, text);
    }

    [Fact]
    public void Openssl_accepts_the_server_certificate()
    {
        var verify = OpenSsl("verify", "-CAfile", _ca.CaFile, _ca.ServerCertificateFile);
        Assert.True(verify.Code == 0, verify.Out + verify.Err);
        Assert.Contains(": OK", verify.Out);
    }

    [Theory]
    [InlineData("www.bank.example")]
    [InlineData("example.test.evil.example")]
    [InlineData("192.0.2.80")]
    public void Openssl_refuses_a_certificate_for_another_name_even_signed_by_our_ca_key(string name)
    {
        using var ca = X509Certificate2.CreateFromPemFile(_ca.CaFile, _ca.CaKeyFile);
        var (forged, key) = CertificateMaker.IssueLeaf(ca, [name], TimeSpan.FromDays(30), CertificateMaker.ServerAuth);
        var file = Path.Combine(_dir, "forged.pem");
        using (forged) using (key) File.WriteAllText(file, forged.ExportCertificatePem());

        var verify = OpenSsl("verify", "-CAfile", _ca.CaFile, file);

        Assert.NotEqual(0, verify.Code);
        Assert.Contains("permitted subtree violation", verify.Out + verify.Err);
    }

    [Fact]
    public void A_name_within_a_local_domain_is_still_accepted()
    {
        using var ca = X509Certificate2.CreateFromPemFile(_ca.CaFile, _ca.CaKeyFile);
        var (inside, key) = CertificateMaker.IssueLeaf(ca, ["pop.lists.example.test"], TimeSpan.FromDays(30), CertificateMaker.ServerAuth);
        var file = Path.Combine(_dir, "inside.pem");
        using (inside) using (key) File.WriteAllText(file, inside.ExportCertificatePem());
        Assert.Equal(0, OpenSsl("verify", "-CAfile", _ca.CaFile, file).Code); // the test above can fail for the right reason only
    }

    [Fact]
    public void Issuing_for_a_name_the_ca_was_not_made_for_says_how_to_make_a_new_one()
    {
        var refused = Assert.Throws<MailActors.Configuration.ConfigurationError>(() => _ca.Issue(["other.example.org"], ["example.test"]));
        Assert.Contains("run ca init again", refused.Message);
    }

    [Fact]
    public async Task Ca_init_says_where_the_ca_key_is_and_that_it_belongs_offline()
    {
        var config = Path.Combine(_dir, "site.conf");
        File.WriteAllText(config, $$"""mailactors { data-dir = "{{_dir}}/data", hostname = "mail.example.test", local-domains = ["example.test"] }""");
        var init = await MailActorsCli.RunAsync(config, "", "ca", "init");
        Assert.Equal(0, init.Code);
        Assert.Equal(Path.Combine(_dir, "data", "tls", "ca.pem"), init.Out.Trim());
        Assert.Contains(Path.Combine(_dir, "data", "tls", "ca-key.pem"), init.Err);
        Assert.Contains("offline", init.Err);
    }

    [Fact]
    public async Task A_node_serves_tls_with_the_ca_key_moved_offline()
    {
        await using var server = await TestServer.StartAsync();
        await server.AddUserAsync("alice", "alice-pw");
        await server.StopAsync();
        var tls = Path.Combine(server.DataDir, "tls");
        File.Move(Path.Combine(tls, "ca-key.pem"), Path.Combine(_dir, "ca-key.pem.offline"));

        await server.RestartAsync();

        using var pop = await Pop3Clients.ConnectAsync(server, TestServer.Inside, server.Pop3sPort, SecureSocketOptions.SslOnConnect);
        await pop.AuthenticateAsync("alice", "alice-pw");
        Assert.False(File.Exists(Path.Combine(tls, "ca-key.pem")));
    }

    private static (int Code, string Out, string Err) OpenSsl(params string[] args)
    {
        var start = new ProcessStartInfo("openssl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output.Result, error);
    }
}
