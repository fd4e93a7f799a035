using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MimeKit;

namespace MailActors.Tests.Support;

/// <summary>
/// A scripted reply to one SMTP step. <c>Command</c> is the verb ("EHLO", "MAIL", "RCPT", "DATA", "RSET", "QUIT"),
/// "." for the end of the message data, or "CONNECT" for the greeting. <c>Reply</c> null drops the connection instead
/// of answering. The rule applies <c>Times</c> times, then the sink answers as usual again. With <c>Hold</c>, the sink
/// first waits for that task (and <see cref="SmtpSink.Holding"/> completes when it starts waiting).
/// </summary>
public sealed record SinkRule(string Command, string? Reply, int Times = 1)
{
    public Task? Hold { get; init; }
}

/// <summary>A message the sink answered 250 to at the end of its data.</summary>
public sealed record SinkMessage(string From, IReadOnlyList<string> Recipients, byte[] Data, bool Tls)
{
    public MimeMessage Parse() => MimeMessage.Load(new MemoryStream(Data));
}

/// <summary>
/// An SMTP server for delivery tests, on loopback and a free port: answers 250 to everything unless a rule says
/// otherwise, and records every message it accepted. Offers STARTTLS with a self-signed certificate when asked, as
/// many real MXes do.
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly List<(SinkRule Rule, int Left)> _rules;
    private readonly X509Certificate2? _certificate;
    private readonly List<SinkMessage> _accepted = [];
    private readonly List<string> _log = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _holding = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _connections;

    public int Port { get; }
    public string Name { get; }

    private SmtpSink(string name, IPAddress address, bool tls, SinkRule[] rules)
    {
        Name = name;
        _rules = rules.Select(r => (r, r.Times)).ToList();
        _certificate = tls ? SelfSigned(name) : null;
        _listener = new TcpListener(address, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = AcceptLoop();
    }

    public static SmtpSink Start(params SinkRule[] rules) => new("sink.test", IPAddress.Loopback, false, rules);

    public static SmtpSink StartWithTls(params SinkRule[] rules) => new("sink.test", IPAddress.Loopback, true, rules);

    public IReadOnlyList<SinkMessage> Accepted { get { lock (_accepted) return _accepted.ToList(); } }

    /// <summary>Every command line received and every reply sent, in order ("C: ..." / "S: ...").</summary>
    public IReadOnlyList<string> Log { get { lock (_log) return _log.ToList(); } }

    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Completes when a rule with <c>Hold</c> starts waiting.</summary>
    public Task Holding => _holding.Task;

    public string HostPort => $"127.0.0.1:{Port}";

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            Interlocked.Increment(ref _connections);
            _ = Task.Run(() => Serve(client));
        }
    }

    private async Task Serve(TcpClient client)
    {
        using var _ = client;
        Stream stream = client.GetStream();
        var reader = new LineReader(stream);
        var tls = false;
        string? from = null;
        var recipients = new List<string>();
        try
        {
            if (!await Reply(stream, "CONNECT", $"220 {Name} ESMTP sink")) return;
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                Record("C: " + line);
                var verb = line.Split(' ', 2)[0].ToUpperInvariant();
                switch (verb)
                {
                    case "EHLO":
                        var ext = _certificate is not null && !tls ? "250-STARTTLS\r\n" : "";
                        if (!await Reply(stream, "EHLO", $"250-{Name}\r\n{ext}250-8BITMIME\r\n250 ENHANCEDSTATUSCODES")) return;
                        break;
                    case "HELO":
                        if (!await Reply(stream, "HELO", $"250 {Name}")) return;
                        break;
                    case "STARTTLS" when _certificate is not null && !tls:
                        await Send(stream, "220 2.0.0 go ahead");
                        var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                        await ssl.AuthenticateAsServerAsync(_certificate);
                        stream = ssl;
                        reader = new LineReader(stream);
                        tls = true;
                        from = null;
                        recipients.Clear();
                        break;
                    case "MAIL":
                        from = Between(line, '<', '>');
                        recipients.Clear();
                        if (!await Reply(stream, "MAIL", "250 2.1.0 ok")) return;
                        break;
                    case "RCPT":
                        if (!await Reply(stream, "RCPT", "250 2.1.5 ok", () => recipients.Add(Between(line, '<', '>')))) return;
                        break;
                    case "DATA":
                        if (!await Reply(stream, "DATA", "354 end with <CRLF>.<CRLF>")) return;
                        var data = await reader.ReadDataAsync(_stop.Token);
                        if (data is null) return;
                        var message = new SinkMessage(from ?? "", recipients.ToList(), data, tls);
                        if (!await Reply(stream, ".", "250 2.0.0 accepted", () => { lock (_accepted) _accepted.Add(message); })) return;
                        from = null;
                        recipients.Clear();
                        break;
                    case "RSET":
                        from = null;
                        recipients.Clear();
                        if (!await Reply(stream, "RSET", "250 2.0.0 ok")) return;
                        break;
                    case "NOOP":
                        await Send(stream, "250 2.0.0 ok");
                        break;
                    case "QUIT":
                        await Send(stream, "221 2.0.0 bye");
                        return;
                    default:
                        await Send(stream, "502 5.5.1 not implemented");
                        break;
                }
            }
        }
        catch (Exception) { /* the client went away */ }
    }

    /// <summary>Answers a step: by the first live rule for it, else with the usual reply. False when the connection is to be dropped.</summary>
    private async Task<bool> Reply(Stream stream, string step, string usual, Action? onSuccess = null)
    {
        SinkRule? rule = null;
        lock (_rules)
        {
            var i = _rules.FindIndex(r => r.Left > 0 && string.Equals(r.Rule.Command, step, StringComparison.OrdinalIgnoreCase));
            if (i >= 0)
            {
                rule = _rules[i].Rule;
                _rules[i] = (rule, _rules[i].Left - 1);
            }
        }
        if (rule?.Hold is { } hold)
        {
            _holding.TrySetResult();
            await hold;
        }
        var reply = rule is null ? usual : rule.Reply;
        if (reply is null)
        {
            Record("S: (dropped the connection)");
            return false;
        }
        if (reply.StartsWith('2')) onSuccess?.Invoke();
        await Send(stream, reply);
        return true;
    }

    private async Task Send(Stream stream, string reply)
    {
        Record("S: " + reply.Replace("\r\n", " | "));
        await stream.WriteAsync(Encoding.ASCII.GetBytes(reply + "\r\n"));
        await stream.FlushAsync();
    }

    private void Record(string line)
    {
        lock (_log) _log.Add(line);
    }

    private static string Between(string line, char open, char close)
    {
        var a = line.IndexOf(open);
        var b = line.IndexOf(close, a + 1);
        return a < 0 || b < 0 ? "" : line[(a + 1)..b];
    }

    private static X509Certificate2 SelfSigned(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }

    public ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        return ValueTask.CompletedTask;
    }

    /// <summary>CRLF lines and DATA (dot-stuffing undone) from a stream.</summary>
    private sealed class LineReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[8192];
        private int _start, _end;

        public async Task<string?> ReadLineAsync(CancellationToken ct) =>
            await ReadRawLineAsync(ct) is { } raw ? Encoding.Latin1.GetString(raw) : null;

        public async Task<byte[]?> ReadDataAsync(CancellationToken ct)
        {
            var data = new MemoryStream();
            while (await ReadRawLineAsync(ct) is { } line)
            {
                if (line.Length == 1 && line[0] == '.') return data.ToArray();
                var start = line.Length > 0 && line[0] == '.' ? 1 : 0;
                data.Write(line, start, line.Length - start);
                data.Write("\r\n"u8);
            }
            return null;
        }

        private async Task<byte[]?> ReadRawLineAsync(CancellationToken ct)
        {
            var line = new MemoryStream();
            while (true)
            {
                for (var i = _start; i < _end; i++)
                {
                    if (_buffer[i] != '\n') continue;
                    line.Write(_buffer, _start, i - _start);
                    _start = i + 1;
                    var bytes = line.ToArray();
                    return bytes.Length > 0 && bytes[^1] == '\r' ? bytes[..^1] : bytes;
                }
                line.Write(_buffer, _start, _end - _start);
                _start = _end = 0;
                var n = await stream.ReadAsync(_buffer, ct);
                if (n == 0) return null;
                _end = n;
            }
        }
    }
}
