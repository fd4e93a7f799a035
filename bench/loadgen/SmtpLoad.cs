using System.Net;
using System.Text;

namespace MailActors.LoadGen;

/// <summary>
/// SMTP client work like Postfix's smtp-source: HELO, then per message MAIL, RCPT, DATA, the body, "."; a new
/// connection every <c>perConnection</c> messages. A message's latency is MAIL to the 250 after its body.
/// </summary>
public sealed class SmtpLoad(IPEndPoint server, string helo, string sender, string recipient, int size)
{
    private readonly byte[] _body = Body(size);
    private long _sequence;

    public async Task<long> MessagesAsync(int messages, int perConnection, List<double> latencies, CancellationToken cancel)
    {
        var sent = 0;
        while (sent < messages)
        {
            await using var c = await LineConnection.OpenAsync(server, tls: false, cancel);
            await ExpectAsync(c, 220, "greeting", cancel);
            await CommandAsync(c, $"HELO {helo}", 250, cancel);
            for (var k = 0; k < perConnection && sent < messages; k++, sent++)
            {
                var t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                await CommandAsync(c, $"MAIL FROM:<{sender}>", 250, cancel);
                await CommandAsync(c, $"RCPT TO:<{recipient}>", 250, cancel);
                await CommandAsync(c, "DATA", 354, cancel);
                var id = Interlocked.Increment(ref _sequence);
                await c.SendRawAsync(Encoding.ASCII.GetBytes(
                    $"From: <{sender}>\r\nTo: <{recipient}>\r\nMessage-Id: <{id}.{Environment.ProcessId}@{helo}>\r\nSubject: loadgen {id}\r\n\r\n"), cancel);
                await c.SendRawAsync(_body, cancel);
                await ExpectAsync(c, 250, "end of data", cancel);
                latencies.Add(Recorder.MillisecondsSince(t0));
            }
            await CommandAsync(c, "QUIT", 221, cancel);
        }
        return sent;
    }

    /// <summary>Lines of 78 'x' (and a shorter last line) adding up to <paramref name="size"/> octets with CRLFs, then ".".</summary>
    private static byte[] Body(int size)
    {
        var text = new StringBuilder();
        while (text.Length + 2 < size)
        {
            var n = Math.Min(78, size - text.Length - 2);
            text.Append('x', n).Append("\r\n");
        }
        return Encoding.ASCII.GetBytes(text.Append(".\r\n").ToString());
    }

    private static async Task CommandAsync(LineConnection c, string command, int code, CancellationToken cancel)
    {
        await c.SendAsync(command, cancel);
        await ExpectAsync(c, code, command.Split(' ', ':')[0], cancel);
    }

    /// <summary>Reads a (possibly multi-line) reply; its code must be <paramref name="code"/>.</summary>
    private static async Task ExpectAsync(LineConnection c, int code, string after, CancellationToken cancel)
    {
        string line;
        do line = await c.ReadLineAsync(cancel);
        while (line.Length > 3 && line[3] == '-');
        if (!line.StartsWith(code.ToString(), StringComparison.Ordinal)) throw new InvalidDataException($"{after}: {line}");
    }
}
