using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace MailActors.LoadGen;

/// <summary>
/// The POP3 client work, as the peer driver (peerbench.py) does it, one command at a time: a login is connect,
/// greeting, USER+PASS (or APOP), QUIT; a retrieval session is a login, LIST, RETR 1..n, QUIT. Client i uses
/// mailbox i+1 (servers that lock a maildrop per session would otherwise answer "in use").
/// </summary>
public sealed class Pop3Load(IPEndPoint server, bool tls, Accounts accounts)
{
    /// <summary>Logins in a loop; each login's latency is connect to the +OK of PASS/APOP.</summary>
    public async Task<long> LoginsAsync(int client, int count, bool apop, List<double> latencies, CancellationToken cancel)
    {
        for (var i = 0; i < count; i++)
        {
            var t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            await using var c = await LineConnection.OpenAsync(server, tls, cancel);
            await LoginAsync(c, client, apop, cancel);
            latencies.Add(Recorder.MillisecondsSince(t0));
            await CommandAsync(c, "QUIT", cancel);
        }
        return count;
    }

    /// <summary>Retrieval sessions; each RETR's latency is the command to the end of its body.</summary>
    public async Task<long> RetrievalsAsync(int client, int sessions, int expectMessages, Recorder recorder, List<double> latencies, CancellationToken cancel)
    {
        long retrieved = 0;
        for (var s = 0; s < sessions; s++)
        {
            await using var c = await LineConnection.OpenAsync(server, tls, cancel);
            await LoginAsync(c, client, apop: false, cancel);
            await CommandAsync(c, "LIST", cancel);
            var listed = 0;
            while (await c.ReadLineAsync(cancel) != ".") listed++;
            if (listed != expectMessages) throw new InvalidDataException($"LIST gave {listed} messages, expected {expectMessages}");
            for (var n = 1; n <= listed; n++)
            {
                var t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                await CommandAsync(c, $"RETR {n}", cancel);
                recorder.AddOctets(await c.SkipMultiLineAsync(cancel));
                latencies.Add(Recorder.MillisecondsSince(t0));
                retrieved++;
            }
            await CommandAsync(c, "QUIT", cancel);
        }
        return retrieved;
    }

    private async Task LoginAsync(LineConnection c, int client, bool apop, CancellationToken cancel)
    {
        var greeting = Expect(await c.ReadLineAsync(cancel), "greeting");
        var (user, secret) = accounts.Of(client);
        if (apop)
        {
            var open = greeting.IndexOf('<');
            var close = greeting.IndexOf('>', open + 1);
            if (open < 0 || close < 0) throw new InvalidDataException($"no APOP timestamp in the greeting: {greeting}");
            var digest = Convert.ToHexStringLower(MD5.HashData(Encoding.Latin1.GetBytes(greeting[open..(close + 1)] + secret)));
            await CommandAsync(c, $"APOP {user} {digest}", cancel);
        }
        else
        {
            await CommandAsync(c, $"USER {user}", cancel);
            await CommandAsync(c, $"PASS {secret}", cancel);
        }
    }

    /// <summary>Sends a command and reads its first reply line, which must be +OK.</summary>
    private static async Task CommandAsync(LineConnection c, string command, CancellationToken cancel)
    {
        await c.SendAsync(command, cancel);
        Expect(await c.ReadLineAsync(cancel), command.Split(' ')[0]);
    }

    private static string Expect(string reply, string after) =>
        reply.StartsWith("+OK", StringComparison.Ordinal) ? reply : throw new InvalidDataException($"{after}: {reply}");
}

/// <summary>Which account and secret client i uses: formats with {0} = i + 1, wrapping after <c>Count</c> accounts.</summary>
public sealed record Accounts(string UserFormat, string SecretFormat, int Count)
{
    public (string User, string Secret) Of(int client)
    {
        var n = client % Count + 1;
        return (string.Format(UserFormat, n), string.Format(SecretFormat, n));
    }
}
