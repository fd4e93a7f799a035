using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace MailActors.Tests.Support;

/// <summary>A line client over a raw socket, for what real clients never send: exact replies, garbage, PROXY headers.</summary>
public sealed class RawClient : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly Socket _socket;
    private Stream _stream;
    private readonly List<byte> _pending = [];

    private RawClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
    }

    /// <param name="receiveBuffer">A small one makes a client that stops reading stall the server's writes soon.</param>
    public static async Task<RawClient> ConnectAsync(IPAddress from, int port, byte[]? preamble = null, int? receiveBuffer = null)
    {
        var socket = new Socket(from.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (receiveBuffer is { } size) socket.ReceiveBufferSize = size;
        socket.Bind(new IPEndPoint(from, 0));
        await socket.ConnectAsync(from.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback, port);
        var client = new RawClient(socket);
        if (preamble is not null) await client.SendBytesAsync(preamble);
        return client;
    }

    public Task SendAsync(string text) => SendBytesAsync(Encoding.Latin1.GetBytes(text));

    public async Task SendBytesAsync(byte[] bytes)
    {
        await _stream.WriteAsync(bytes);
        await _stream.FlushAsync();
    }

    /// <summary>The next line without CRLF, or null when the server closed the connection.</summary>
    public async Task<string?> ReadLineAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        var buffer = new byte[4096];
        while (true)
        {
            var lf = _pending.IndexOf((byte)'\n');
            if (lf >= 0)
            {
                var line = Encoding.Latin1.GetString(_pending.GetRange(0, lf).ToArray()).TrimEnd('\r');
                _pending.RemoveRange(0, lf + 1);
                return line;
            }
            var n = await _stream.ReadAsync(buffer, timeout.Token);
            if (n == 0) return null;
            _pending.AddRange(buffer.AsSpan(0, n).ToArray());
        }
    }

    public async Task<string?> CommandAsync(string line)
    {
        await SendAsync(line + "\r\n");
        return await ReadLineAsync();
    }

    /// <summary>One SMTP reply, all its lines ("250-..." up to "250 ..."), joined with newlines.</summary>
    public async Task<string?> ReadReplyAsync()
    {
        var lines = new List<string>();
        while (await ReadLineAsync() is { } line)
        {
            lines.Add(line);
            if (line.Length < 4 || line[3] != '-') return string.Join("\n", lines);
        }
        return lines.Count == 0 ? null : string.Join("\n", lines);
    }

    public async Task<string?> SmtpCommandAsync(string line)
    {
        await SendAsync(line + "\r\n");
        return await ReadReplyAsync();
    }

    /// <summary>Reads the greeting, sends USER and PASS; the reply to PASS.</summary>
    public async Task<string?> LoginAsync(string user, string password)
    {
        await ReadLineAsync();
        await CommandAsync("USER " + user);
        return await CommandAsync("PASS " + password);
    }

    /// <summary>Reads lines until the server closes; true if it did within the patience.</summary>
    public async Task<bool> ClosedByServerAsync()
    {
        try
        {
            while (await ReadLineAsync() is not null) { }
            return true;
        }
        catch (IOException) { return true; }
        catch (OperationCanceledException) { return false; }
    }

    /// <summary>Switches this connection to TLS (after STLS), trusting any certificate.</summary>
    public async Task StartTlsAsync()
    {
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: true, (_, _, _, _) => true);
        await ssl.AuthenticateAsClientAsync("localhost");
        _stream = ssl;
    }

    /// <summary>Drops the TCP connection without a word (RST), like a crashed client.</summary>
    public void Abort()
    {
        _socket.LingerState = new LingerOption(true, 0);
        _socket.Close();
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _socket.Dispose();
    }
}
