using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using MailActors.Certificates;

namespace MailActors.Tests.Support;

/// <summary>
/// A real OpenLDAP <c>slapd</c> on a free loopback port, with a throwaway configuration and database in a temp
/// folder: suffix <see cref="Suffix"/>, people under <see cref="People"/>, and a service account that may read them
/// (and nothing else may, but a user may bind as itself), from bench/slapd/ (shared with bench/ldap_login.sh).
/// Users are added and removed with the real <c>ldapadd</c>/<c>ldapdelete</c>. The server can be stopped and started
/// again on the same port and database. <see cref="StartWithTlsAsync"/> also serves <c>ldaps://</c> and StartTLS with
/// a certificate of a CA made for the test; <see cref="PresentAsync"/> swaps it for one that must not verify.
/// slapd's per-operation log (<c>-d stats</c>) is kept in <see cref="Log"/>.
/// </summary>
public sealed class SlapdServer : IAsyncDisposable
{
    public const string Suffix = "dc=example,dc=test";
    public const string People = "ou=people," + Suffix;
    public const string ServiceDn = "cn=mailactors,ou=services," + Suffix;
    // as bench/slapd/ has them
    private const string RootDn = "cn=admin," + Suffix, RootPassword = "root-secret", ServicePassword = "service-secret";

    private static readonly string? Slapd = Find("slapd", "/usr/sbin/slapd");
    private static readonly string? LdapAdd = Find("ldapadd", "/usr/bin/ldapadd");
    private static readonly string? LdapDelete = Find("ldapdelete", "/usr/bin/ldapdelete");

    /// <summary>Null when slapd and ldap-utils are here; otherwise why the LDAP tests skip, and how to get them.</summary>
    public static readonly string? Missing = Slapd is null || LdapAdd is null || LdapDelete is null
        ? "slapd or ldap-utils not found: install them (Debian: apt-get install slapd ldap-utils) to run the LDAP tests"
        : null;

    private readonly string _dir = Directory.CreateTempSubdirectory("mailactors-slapd-").FullName;
    private readonly bool _tls;
    private X509Certificate2? _ca, _otherCa;
    private Process? _process;

    public int Port { get; } = TestServer.FreePort();
    public string Url => $"ldap://127.0.0.1:{Port}";

    /// <summary>The <c>ldaps://</c> port, with <see cref="StartWithTlsAsync"/>.</summary>
    public int LdapsPort { get; }
    public string LdapsUrl => $"ldaps://127.0.0.1:{LdapsPort}";

    /// <summary>A folder holding only the PEM certificate of the CA that signed the directory's, as <c>ca-dir</c> wants it.</summary>
    public string CaDir => Path.Combine(_dir, "ca");

    /// <summary>slapd's output since it last started, a line each: connections, TLS sessions and operations (<c>BIND dn=... ssf=...</c>).</summary>
    public ConcurrentQueue<string> Log { get; } = new();

    /// <summary>The service account's password, in a file as <c>bind-password-file</c> wants it (with a trailing newline).</summary>
    public string PasswordFile => Path.Combine(_dir, "bind-password");

    private SlapdServer(bool tls)
    {
        _tls = tls;
        if (tls) LdapsPort = TestServer.FreePort();
    }

    public static Task<SlapdServer> StartAsync() => StartAsync(tls: false);

    /// <summary>A directory that also speaks TLS, presenting <see cref="DirectoryCertificate.Trusted"/>.</summary>
    public static Task<SlapdServer> StartWithTlsAsync() => StartAsync(tls: true);

    private static async Task<SlapdServer> StartAsync(bool tls)
    {
        var server = new SlapdServer(tls);
        try
        {
            server.WriteConfiguration();
            if (tls) server.MakeCertificates();
            await server.StartAgainAsync();
            await server.LdapAsync(LdapAdd!, File.ReadAllText(Path.Combine(SharedFiles, "directory.ldif")));
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>The <c>mailactors.accounts</c> section that points a server at this directory, over <paramref name="transport"/>.</summary>
    public string Hocon(string cacheTtl = "0s", LdapTransport transport = LdapTransport.Clear) => $$"""
        mailactors.accounts {
          source = "ldap"
          ldap {
            url = "{{(transport == LdapTransport.Ldaps ? LdapsUrl : Url)}}"
            start-tls = {{(transport == LdapTransport.StartTls ? "on" : "off")}}
            ca-dir = "{{(transport == LdapTransport.Clear ? "" : CaDir)}}"
            bind-dn = "{{ServiceDn}}"
            bind-password-file = "{{PasswordFile}}"
            base-dn = "{{People}}"
            user-filter = "(&(objectClass=inetOrgPerson)(uid=%u))"
            mail-attribute = "mail"
            timeout = 5s
            cache-ttl = {{cacheTtl}}
          }
        }
        """;

    public Task AddUserAsync(string uid, string password, string mail) => LdapAsync(LdapAdd!, $"""
        dn: uid={uid},{People}
        objectClass: inetOrgPerson
        uid: {uid}
        cn: {uid}
        sn: {uid}
        mail: {mail}
        userPassword: {password}
        """);

    public Task DeleteUserAsync(string uid) => LdapAsync(LdapDelete!, $"uid={uid},{People}\n");

    /// <summary>Starts slapd (again) on <see cref="Port"/> (and <see cref="LdapsPort"/>) and waits until it accepts connections.</summary>
    public async Task StartAgainAsync()
    {
        var start = new ProcessStartInfo(Slapd!) { RedirectStandardOutput = true, RedirectStandardError = true };
        var listeners = _tls ? $"{Url}/ {LdapsUrl}/" : $"{Url}/";
        foreach (var arg in new[] { "-f", Path.Combine(_dir, "slapd.conf"), "-h", listeners, "-d", "stats" }) start.ArgumentList.Add(arg);
        Log.Clear();
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => { if (e.Data is { } line) Log.Enqueue(line); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) Log.Enqueue(line); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        WatchTestHost(_process.Id);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"slapd exited at start with status {_process.ExitCode}");
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>Stops slapd (the directory "goes down"); its database stays for <see cref="StartAgainAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } process) return;
        process.Kill();
        await process.WaitForExitAsync();
    }

    /// <summary>bench/slapd/, copied next to the test assembly.</summary>
    private static string SharedFiles => Path.Combine(AppContext.BaseDirectory, "slapd");

    private void WriteConfiguration()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "db"));
        File.WriteAllText(PasswordFile, ServicePassword + "\n");
        var tls = _tls ? $"TLSCertificateFile {_dir}/tls/cert.pem\nTLSCertificateKeyFile {_dir}/tls/key.pem\n" : "";
        File.WriteAllText(Path.Combine(_dir, "slapd.conf"), tls + File.ReadAllText(Path.Combine(SharedFiles, "slapd.conf")).Replace("@DIR@", _dir));
    }

    /// <summary>The test's CA (its certificate alone in <see cref="CaDir"/>), another CA nobody trusts, and the directory's certificate.</summary>
    private void MakeCertificates()
    {
        Directory.CreateDirectory(CaDir);
        Directory.CreateDirectory(Path.Combine(_dir, "tls"));
        _ca = CertificateMaker.CreateRoot("CN=Directory Test CA", TimeSpan.FromDays(1), Path.Combine(CaDir, "ca.pem"), Path.Combine(_dir, "tls", "ca-key.pem"));
        _otherCa = CertificateMaker.CreateRoot("CN=Someone Else's CA", TimeSpan.FromDays(1), Path.Combine(_dir, "tls", "other-ca.pem"), Path.Combine(_dir, "tls", "other-ca-key.pem"));
        WriteCertificate(DirectoryCertificate.Trusted);
    }

    /// <summary>Restarts the directory presenting <paramref name="which"/> (slapd reads its certificate at start).</summary>
    public async Task PresentAsync(DirectoryCertificate which)
    {
        await StopAsync();
        WriteCertificate(which);
        await StartAgainAsync();
    }

    private void WriteCertificate(DirectoryCertificate which)
    {
        var (issuer, name) = which switch
        {
            DirectoryCertificate.Trusted => (_ca!, "127.0.0.1"),
            DirectoryCertificate.FromAnotherCa => (_otherCa!, "127.0.0.1"),
            _ => (_ca!, "directory.elsewhere.test"),
        };
        var (certificate, key) = CertificateMaker.IssueLeaf(issuer, [name], TimeSpan.FromDays(1), CertificateMaker.ServerAuth);
        using (certificate)
        using (key)
        {
            File.WriteAllText(Path.Combine(_dir, "tls", "cert.pem"), certificate.ExportCertificatePem() + "\n");
            File.WriteAllText(Path.Combine(_dir, "tls", "key.pem"), key.ExportPkcs8PrivateKeyPem() + "\n");
        }
    }

    private async Task LdapAsync(string tool, string input)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (var arg in new[] { "-x", "-H", Url, "-D", RootDn, "-w", RootPassword }) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(input.ReplaceLineEndings("\n") + "\n");
        process.StandardInput.Close();
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{Path.GetFileName(tool)} failed ({process.ExitCode}): {await error}");
    }

    /// <summary>slapd dies with the test host, even if the host is killed before it disposes this.</summary>
    private static void WatchTestHost(int slapdPid) =>
        Process.Start("sh", ["-c", $"setsid sh -c 'while kill -0 {Environment.ProcessId} 2>/dev/null; do sleep 1; done; kill {slapdPid} 2>/dev/null' </dev/null >/dev/null 2>&1 &"])!
            .WaitForExit();

    private static string? Find(string tool, string usual) =>
        File.Exists(usual) ? usual
        : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(dir => Path.Combine(dir, tool)).FirstOrDefault(File.Exists);

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _ca?.Dispose();
        _otherCa?.Dispose();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}

/// <summary>How the mail server reaches the directory: in clear text, by <c>ldaps://</c>, or by StartTLS on <c>ldap://</c>.</summary>
public enum LdapTransport { Clear, Ldaps, StartTls }

/// <summary>What the directory presents: a certificate the server is told to trust, one from another CA, one for another host name.</summary>
public enum DirectoryCertificate { Trusted, FromAnotherCa, ForAnotherHost }

/// <summary>A theory that needs a real slapd: skipped, as <see cref="SlapdFactAttribute"/>, when there is none.</summary>
public sealed class SlapdTheoryAttribute : TheoryAttribute
{
    public SlapdTheoryAttribute()
    {
        if (SlapdServer.Missing is { } why) Skip = why;
    }
}

/// <summary>A test that needs a real slapd: skipped, with the line that says how to get it, when there is none.</summary>
public sealed class SlapdFactAttribute : FactAttribute
{
    public SlapdFactAttribute()
    {
        if (SlapdServer.Missing is { } why) Skip = why;
    }
}
