// POP3S login timing with MailKit, for bench/ldap_login.sh (a .NET 10 file-based app: dotnet run FILE -- ARGS).
// Each login: TCP connect, TLS handshake, USER/PASS, QUIT. A warm-up login as another user first (retried for up
// to 30 s while the server settles after start; so "first" is not the JIT's), then the measured user's first
// login, then N more. Prints the first login's time and the median and p90 of the N, in milliseconds, and the CPU
// time (user + system, /proc/PID/stat) the server and the directory used during the N, per login, in microseconds.
// Args: PORT USER PASSWORD N WARMUP-USER WARMUP-PASSWORD SERVER-PID [SLAPD-PID]
#:package MailKit@4.18.2
using System.Diagnostics;
using MailKit.Net.Pop3;
using MailKit.Security;

var (port, user, password, n) = (int.Parse(args[0]), args[1], args[2], int.Parse(args[3]));
var pids = args.Skip(6).Select(int.Parse).ToArray();

double LoginAsMs(string user, string password)
{
    var clock = Stopwatch.StartNew();
    using var client = new Pop3Client { ServerCertificateValidationCallback = (_, _, _, _) => true, CheckCertificateRevocation = false };
    client.Connect("127.0.0.1", port, SecureSocketOptions.SslOnConnect);
    client.Authenticate(user, password);
    client.Disconnect(true);
    return clock.Elapsed.TotalMilliseconds;
}

// user + system time of a process, in microseconds (USER_HZ = 100 on Linux)
long CpuUs(int pid)
{
    var stat = File.ReadAllText($"/proc/{pid}/stat");
    var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    return (long.Parse(fields[11]) + long.Parse(fields[12])) * 10_000;
}

var settle = Stopwatch.StartNew();
while (true)
{
    try { LoginAsMs(args[4], args[5]); break; }
    catch (Exception e) when (e is Pop3ProtocolException or IOException && settle.Elapsed < TimeSpan.FromSeconds(30))
    {
        Console.Error.WriteLine($"warm-up login failed ({e.Message}); again");
        Thread.Sleep(200);
    }
}
var first = LoginAsMs(user, password);
var before = pids.Select(CpuUs).ToArray();
var rest = Enumerable.Range(0, n).Select(_ => LoginAsMs(user, password)).Order().ToArray();
var cpu = pids.Select((pid, i) => (CpuUs(pid) - before[i]) / n).ToArray();
Console.WriteLine($"server CPU {cpu[0]} us/login{(cpu.Length > 1 ? $", slapd CPU {cpu[1]} us/login" : "")}; " +
                  $"first={first:0.0} median={rest[rest.Length / 2]:0.0} p90={rest[(int)(rest.Length * 0.9)]:0.0} ms, n={n}");
