using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;

namespace MailActors.LoadGen;

/// <summary>
/// One client connection over a raw socket (and SslStream for implicit TLS): writes commands, reads reply lines
/// and multi-line bodies straight out of one buffer, without per-line allocations for bodies.
/// </summary>
public sealed class LineConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start, _end;

    private LineConnection(Socket socket, Stream stream)
    {
        _socket = socket;
        _stream = stream;
    }

    /// <summary>TLS as the Python peer client does it: TLS 1.2/1.3 offered, no certificate check, no session
    /// reuse (a fresh SslStream each time, so every connection is a full handshake).</summary>
    public static async Task<LineConnection> OpenAsync(IPEndPoint server, bool tls, CancellationToken cancel)
    {
        var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(server, cancel);
            Stream stream = new NetworkStream(socket, ownsSocket: false);
            if (tls)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = "localhost",
                    EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                    RemoteCertificateValidationCallback = (_, _, _, _) => true,
                    AllowTlsResume = false,
                }, cancel);
                stream = ssl;
            }
            return new LineConnection(socket, stream);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public async Task SendAsync(string line, CancellationToken cancel)
    {
        await _stream.WriteAsync(Encoding.Latin1.GetBytes(line + "\r\n"), cancel);
    }

    public ValueTask SendRawAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancel) => _stream.WriteAsync(bytes, cancel);

    /// <summary>The next line without its CRLF.</summary>
    /// <exception cref="IOException">the server closed the connection.</exception>
    public async Task<string> ReadLineAsync(CancellationToken cancel)
    {
        while (true)
        {
            var lf = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (lf >= 0)
            {
                var length = lf - _start;
                if (length > 0 && _buffer[lf - 1] == '\r') length--;
                var line = Encoding.Latin1.GetString(_buffer, _start, length);
                _start = lf + 1;
                return line;
            }
            await FillAsync(cancel);
        }
    }

    /// <summary>Reads a POP3 multi-line body up to its "." line; returns the octets before it (line ends included).</summary>
    public async Task<long> SkipMultiLineAsync(CancellationToken cancel)
    {
        long octets = 0;
        while (true)
        {
            var lf = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (lf < 0)
            {
                await FillAsync(cancel);
                continue;
            }
            var length = lf + 1 - _start;
            var isEnd = (length == 3 && _buffer[_start] == '.' && _buffer[_start + 1] == '\r')
                        || (length == 2 && _buffer[_start] == '.');
            _start = lf + 1;
            if (isEnd) return octets;
            octets += length;
        }
    }

    private async Task FillAsync(CancellationToken cancel)
    {
        if (_start == _end) _start = _end = 0;
        else if (_start > 0 && _end == _buffer.Length)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length) throw new IOException("reply line longer than the client's buffer");
        var n = await _stream.ReadAsync(_buffer.AsMemory(_end), cancel);
        if (n == 0) throw new IOException("the server closed the connection");
        _end += n;
    }

    public async ValueTask DisposeAsync()
    {
        try { await _stream.DisposeAsync(); } catch (IOException) { } catch (AuthenticationException) { }
        _socket.Dispose();
    }
}
