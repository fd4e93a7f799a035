using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace MailActors.Tests.Support;

/// <summary>
/// A real OpenLDAP <c>slapd</c> on a free loopback port, with a throwaway configuration and database in a temp
/// folder: suffix <see cref="Suffix"/>, people under <see cref="People"/>, and a service account that may read them
/// (and nothing else may, but a user may bind as itself). Users are added and removed with the real
/// <c>ldapadd</c>/<c>ldapdelete</c>. The server can be stopped and started again on the same port and database.
/// </summary>
public sealed class SlapdServer : IAsyncDisposable
{
    public const string Suffix = "dc=example,dc=test";
    public const string People = "ou=people," + Suffix;
    public const string ServiceDn = "cn=mailactors,ou=services," + Suffix;
    private const string RootDn = "cn=admin," + Suffix, RootPassword = "root-secret", ServicePassword = "service-secret";

    private static readonly string? Slapd = Find("slapd", "/usr/sbin/slapd");
    private static readonly string? LdapAdd = Find("ldapadd", "/usr/bin/ldapadd");
    private static readonly string? LdapDelete = Find("ldapdelete", "/usr/bin/ldapdelete");

    /// <summary>Null when slapd and ldap-utils are here; otherwise why the LDAP tests skip, and how to get them.</summary>
    public static readonly string? Missing = Slapd is null || LdapAdd is null || LdapDelete is null
        ? "slapd or ldap-utils not found: install them (Debian: apt-get install slapd ldap-utils) to run the LDAP tests"
        : null;

    private readonly string _dir = Directory.CreateTempSubdirectory("mailactors-slapd-").FullName;
    private Process? _process;

    public int Port { get; } = ServerProcess.FreePort();
    public string Url => $"ldap://127.0.0.1:{Port}";

    /// <summary>The service account's password, in a file as <c>bind-password-file</c> wants it (with a trailing newline).</summary>
    public string PasswordFile => Path.Combine(_dir, "bind-password");

    private SlapdServer() { }

    public static async Task<SlapdServer> StartAsync()
    {
        var server = new SlapdServer();
        try
        {
            server.WriteConfiguration();
            await server.StartAgainAsync();
            await server.LdapAsync(LdapAdd!, $"""
                dn: {Suffix}
                objectClass: dcObject
                objectClass: organization
                o: Example
                dc: example

                dn: {People}
                objectClass: organizationalUnit
                ou: people

                dn: ou=services,{Suffix}
                objectClass: organizationalUnit
                ou: services

                dn: {ServiceDn}
                objectClass: organizationalRole
                objectClass: simpleSecurityObject
                cn: mailactors
                userPassword: {ServicePassword}
                """);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>The <c>mailactors.accounts</c> section that points a server at this directory.</summary>
    public string Hocon(string cacheTtl = "0s") => $$"""
        mailactors.accounts {
          source = "ldap"
          ldap {
            url = "{{Url}}"
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

    /// <summary>Starts slapd (again) on <see cref="Port"/> and waits until it accepts connections.</summary>
    public async Task StartAgainAsync()
    {
        var start = new ProcessStartInfo(Slapd!) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-f", Path.Combine(_dir, "slapd.conf"), "-h", $"{Url}/", "-d", "0" }) start.ArgumentList.Add(arg);
        _process = Process.Start(start)!;
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

    private void WriteConfiguration()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "db"));
        File.WriteAllText(PasswordFile, ServicePassword + "\n");
        File.WriteAllText(Path.Combine(_dir, "slapd.conf"), $"""
            include /etc/ldap/schema/core.schema
            include /etc/ldap/schema/cosine.schema
            include /etc/ldap/schema/inetorgperson.schema
            modulepath /usr/lib/ldap
            moduleload back_mdb
            pidfile {_dir}/slapd.pid
            database mdb
            maxsize 10485760
            suffix "{Suffix}"
            rootdn "{RootDn}"
            rootpw {RootPassword}
            directory {_dir}/db
            access to attrs=userPassword by self read by anonymous auth by * none
            access to * by dn.exact="{ServiceDn}" read by self read by * none
            """);
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
        try { Directory.Delete(_dir, true); } catch (IOException) { }
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
