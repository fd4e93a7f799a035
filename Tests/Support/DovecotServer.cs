using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace MailActors.Tests.Support;

/// <summary>
/// A throwaway Dovecot (the POP3 server of ../shared/bench/peers/, Debian package dovecot-pop3d) on a free loopback
/// port, with its own configuration, users and Maildirs under a temporary folder: POP3 only, plain-text logins, no TLS.
/// Mail is delivered with Dovecot's own LDA. Dovecot starts as root and switches to the mail user (nobody); stopped by
/// its own <c>doveadm stop</c>, then by the PID it recorded.
/// </summary>
public sealed class DovecotServer : IAsyncDisposable
{
    public const string Binary = "/usr/sbin/dovecot", Lda = "/usr/lib/dovecot/dovecot-lda";
    private const int MailUid = 65534; // nobody: Dovecot refuses to give mail access as root

    private readonly string _root, _config;
    public int Port { get; }

    /// <summary>Why Dovecot cannot run here, or null.</summary>
    public static string? Unavailable =>
        !File.Exists(Binary) || !File.Exists(Lda) ? "Dovecot is not installed: apt-get install dovecot-core dovecot-pop3d (see ../shared/bench/peers/setup.sh)"
        : Environment.UserName != "root" ? "Dovecot must start as root to switch to its mail user; run the tests as root (as .ci/run does)"
        : null;

    private DovecotServer(string root, string config, int port) => (_root, _config, Port) = (root, config, port);

    public string MaildirOf(string user) => Path.Combine(_root, "mail", user, "Maildir");

    /// <param name="users">name → password; <paramref name="extraConfig"/> is appended (pop3_uidl_format, pop3_save_uidl...).</param>
    public static async Task<DovecotServer> StartAsync(IReadOnlyDictionary<string, string> users, string extraConfig = "")
    {
        var root = Directory.CreateTempSubdirectory("mailactors-dovecot-").FullName;
        await RunAsync("chmod", "711", root); // the mail user must reach its home below this folder (created 0700 for root)
        var port = FreePort();
        Directory.CreateDirectory(Path.Combine(root, "run"));
        File.WriteAllLines(Path.Combine(root, "users"),
            users.Select(u => $"{u.Key}:{{PLAIN}}{u.Value}:{MailUid}:{MailUid}::{root}/mail/{u.Key}"));
        foreach (var user in users.Keys) Directory.CreateDirectory(Path.Combine(root, "mail", user));
        await RunAsync("chown", "-R", $"{MailUid}:{MailUid}", Path.Combine(root, "mail"));
        var config = Path.Combine(root, "dovecot.conf");
        await File.WriteAllTextAsync(config, $$"""
            protocols = pop3
            listen = 127.0.0.1
            instance_name = mailactors-test-{{port}}
            base_dir = {{root}}/run
            state_dir = {{root}}/state
            log_path = {{root}}/dovecot.log
            disable_plaintext_auth = no
            ssl = no
            passdb {
              driver = passwd-file
              args = scheme=PLAIN username_format=%n {{root}}/users
            }
            userdb {
              driver = passwd-file
              args = username_format=%n {{root}}/users
            }
            first_valid_uid = {{MailUid}}
            last_valid_uid = {{MailUid}}
            mail_location = maildir:~/Maildir
            service pop3-login {
              inet_listener pop3 {
                address = 127.0.0.1
                port = {{port}}
              }
            }
            service imap-login {
              inet_listener imap {
                port = 0
              }
              inet_listener imaps {
                port = 0
              }
            }
            {{extraConfig}}
            """);
        var server = new DovecotServer(root, config, port);
        await RunAsync(Binary, "-c", config);
        await Eventually.AssertAsync(async () =>
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException) { return false; }
        }, "Dovecot listens", TimeSpan.FromSeconds(20));
        return server;
    }

    /// <summary>Delivers one message with Dovecot's LDA, as an MTA would.</summary>
    public async Task DeliverAsync(string user, string message)
    {
        try { await RunWithInputAsync(Lda, message, ["-c", _config, "-d", user, "-f", "sender@far.test"]); }
        catch (InvalidOperationException e)
        {
            var log = Path.Combine(_root, "dovecot.log");
            throw new InvalidOperationException($"{e.Message}\n{(File.Exists(log) ? string.Join("\n", File.ReadLines(log).TakeLast(5)) : "")}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        var pidFile = Path.Combine(_root, "run", "master.pid");
        var pid = File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), out var p) ? p : 0;
        try { await RunAsync("doveadm", "-c", _config, "stop"); }
        catch (InvalidOperationException) { }
        if (pid > 0)
        {
            try
            {
                using var master = Process.GetProcessById(pid);
                if (!master.WaitForExit(10_000)) master.Kill();
            }
            catch (ArgumentException) { } // already gone
        }
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private static Task RunAsync(string program, params string[] args) => RunWithInputAsync(program, null, args);

    private static async Task RunWithInputAsync(string program, string? input, string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        if (input is not null) await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', args)}: exit {process.ExitCode}: {await error}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
