using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MailActors.Configuration;
using MailActors.Host.Configuration;

namespace MailActors.Tests.Configuration;

/// <summary><c>accounts.source</c> and <c>accounts.ldap { }</c> (docs/spec.md §4, §11): read once, bad values named by key.</summary>
public sealed class AccountSourceConfigurationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mailactors-ldapconf-").FullName;
    private readonly string _passwordFile;

    public AccountSourceConfigurationTests()
    {
        _passwordFile = Path.Combine(_dir, "bind-password");
        File.WriteAllText(_passwordFile, "s3rvice\n");
    }

    private string Ldap(string overrides = "") => $$"""
        mailactors.accounts {
          source = "ldap"
          ldap {
            url = "ldaps://ldap.campus.test"
            bind-dn = "cn=mail,ou=services,dc=campus,dc=test"
            bind-password-file = "{{_passwordFile}}"
            base-dn = "ou=people,dc=campus,dc=test"
            {{overrides}}
          }
        }
        """;

    [Fact]
    public void Local_accounts_are_the_default()
    {
        Assert.Equal(AccountSourceSettings.Local, ConfigLoader.Load([]).Settings.Accounts);
    }

    [Fact]
    public void An_ldap_source_is_read_with_the_password_files_trailing_newline_removed()
    {
        var ldap = ConfigLoader.Load([], null, Ldap()).Settings.Accounts.Ldap!;
        Assert.Equal(("ldaps", "ldap.campus.test", 636), (ldap.Url.Scheme, ldap.Url.Host, ldap.Port));
        Assert.Equal("s3rvice", ldap.BindPassword);
        Assert.Equal("(&(objectClass=inetOrgPerson)(uid=%u))", ldap.UserFilter);
        Assert.Equal("mail", ldap.MailAttribute);
        Assert.Equal(TimeSpan.FromMinutes(5), ldap.CacheTtl);
        Assert.Equal(389, ConfigLoader.Load([], null, Ldap("url = \"ldap://10.0.0.5\"")).Settings.Accounts.Ldap!.Port);
    }

    [Theory]
    [InlineData("""mailactors.accounts.source = "nis" """, "mailactors.accounts.source")]
    [InlineData("url = \"http://ldap.campus.test\"", "mailactors.accounts.ldap.url")]
    [InlineData("url = \"\"", "mailactors.accounts.ldap.url")]
    [InlineData("base-dn = \"\"", "mailactors.accounts.ldap.base-dn")]
    [InlineData("user-filter = \"(uid=alice)\"", "mailactors.accounts.ldap.user-filter")]
    [InlineData("bind-password-file = \"/nonexistent/password\"", "mailactors.accounts.ldap.bind-password-file")]
    [InlineData("bind-password-file = \"\"", "mailactors.accounts.ldap.bind-password-file")]
    [InlineData("url = \"ldaps://ldap.campus.test\", start-tls = on", "mailactors.accounts.ldap.start-tls")]
    [InlineData("cache-ttl = 10m", "mailactors.accounts.ldap.cache-ttl")]
    [InlineData("ca-dir = \"/nonexistent\"", "mailactors.accounts.ldap.ca-dir")]
    [InlineData("ca-dir = \"{dir}\"", "mailactors.accounts.ldap.ca-dir")]   // holds no certificate
    [InlineData("url = \"ldap://ldap.campus.test\", ca-dir = \"{ca}\"", "mailactors.accounts.ldap.ca-dir")]   // no TLS to use it
    [InlineData("pool-size = 0", "mailactors.accounts.ldap.pool-size")]
    public void A_bad_directory_setting_is_reported_in_one_line_naming_its_key(string overrides, string key)
    {
        overrides = overrides.Replace("{dir}", _dir).Replace("{ca}", CaDir());
        var hocon = overrides.StartsWith("mailactors.") ? Ldap() + "\n" + overrides : Ldap(overrides);
        var error = Assert.Throws<ConfigurationError>(() => ConfigLoader.Load([], null, hocon));
        Assert.StartsWith(key + ":", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.DoesNotContain("s3rvice", error.Message);
    }

    [Fact]
    public void The_ca_dir_is_a_folder_with_the_directorys_ca_certificate_in_it()
    {
        var ldap = ConfigLoader.Load([], null, Ldap($"ca-dir = \"{CaDir()}\"")).Settings.Accounts.Ldap!;
        Assert.Equal(CaDir(), ldap.CaDir);
        var startTls = ConfigLoader.Load([], null, Ldap($"url = \"ldap://ldap.campus.test\", start-tls = on, ca-dir = \"{CaDir()}\"")).Settings.Accounts.Ldap!;
        Assert.True(startTls.StartTls);
    }

    /// <summary>A folder holding one CA certificate (PEM).</summary>
    private string CaDir()
    {
        var dir = Path.Combine(_dir, "ca");
        Directory.CreateDirectory(dir);
        using var key = ECDsa.Create();
        var request = new CertificateRequest("CN=Campus CA", key, HashAlgorithmName.SHA256);
        using var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(Path.Combine(dir, "campus-ca.pem"), ca.ExportCertificatePem());
        return dir;
    }

    public void Dispose() => Directory.Delete(_dir, true);
}
