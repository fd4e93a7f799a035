// POP3S login timing with MailKit, for bench/ldap_login.sh (a .NET 10 file-based app: dotnet run FILE -- ARGS).
// Each login: TCP connect, TLS handshake, USER/PASS, QUIT. Prints the first login's time, then the median and
// p90 of the next N, in milliseconds; a warm-up login as another user first (so "first" is not the JIT's).
// Args: PORT USER PASSWORD N WARMUP-USER WARMUP-PASSWORD
#:package MailKit@4.18.2
using System.Diagnostics;
using MailKit.Net.Pop3;
using MailKit.Security;

var (port, user, password, n) = (int.Parse(args[0]), args[1], args[2], int.Parse(args[3]));

double LoginMs() => LoginAsMs(user, password);
double LoginAsMs(string user, string password)
{
    var clock = Stopwatch.StartNew();
    using var client = new Pop3Client { ServerCertificateValidationCallback = (_, _, _, _) => true, CheckCertificateRevocation = false };
    client.Connect("127.0.0.1", port, SecureSocketOptions.SslOnConnect);
    client.Authenticate(user, password);
    client.Disconnect(true);
    return clock.Elapsed.TotalMilliseconds;
}

LoginAsMs(args[4], args[5]);
var first = LoginMs();
var rest = Enumerable.Range(0, n).Select(_ => LoginMs()).Order().ToArray();
Console.WriteLine($"first={first:0.0} median={rest[rest.Length / 2]:0.0} p90={rest[(int)(rest.Length * 0.9)]:0.0} n={n}");
