using System.Net;
using System.Text;
using Akka.Actor;
using DotNetty.Buffers;
using DotNetty.Codecs;
using DotNetty.Handlers.Timeout;
using DotNetty.Handlers.Tls;
using DotNetty.Transport.Channels;
using MailActors.Sessions;
using MailActors.Transport.Proxy;

namespace MailActors.Transport.Listeners;

/// <summary>
/// Last in the pipeline: starts the connection's session actor and relays lines and events to it,
/// and its writes back. While more than <see cref="PauseAt"/> lines wait in the actor, the socket
/// is not read (backpressure). Lines go on one by one as they are decoded: a TLS handler may
/// deliver decrypted data after the read's ChannelReadComplete, so nothing waits for that event.
/// </summary>
internal sealed class SessionBridge(ListenerOptions options) : ChannelHandlerAdapter, IClientConnection
{
    private const int PauseAt = 64, ResumeBelow = 16;
    private IChannelHandlerContext _context = null!;
    private IActorRef? _session;
    private volatile bool _tls = options.ImplicitTls;
    private bool _discardUntilTls;
    private int _unconsumed;
    private volatile bool _paused;

    public IPAddress ClientAddress { get; private set; } = IPAddress.None;

    public bool IsTls => _tls;

    public override void ChannelActive(IChannelHandlerContext context)
    {
        _context = context;
        ClientAddress = ((IPEndPoint)context.Channel.RemoteAddress).Address;
        if (!options.IsTrustedProxy(ClientAddress)) StartSession(); // else once the PROXY header names the client
        base.ChannelActive(context);
    }

    private void StartSession() => _session = options.Sessions.Start(this);

    public override void UserEventTriggered(IChannelHandlerContext context, object evt)
    {
        switch (evt)
        {
            case ProxyHeaderReceived proxied:
                ClientAddress = proxied.Source.Address;
                StartSession();
                break;
            case IdleStateEvent:
                _session?.Tell(ConnectionEvents.Idle.Instance);
                break;
            case TlsHandshakeCompletionEvent { IsSuccessful: true }:
                _tls = true;
                if (_discardUntilTls)
                {
                    _discardUntilTls = false;
                    _session?.Tell(ConnectionEvents.TlsEstablished.Instance);
                }
                break;
            case TlsHandshakeCompletionEvent failed:
                _session?.Tell(new ConnectionEvents.TlsFailed(failed.Exception?.Message ?? "handshake failed"));
                context.CloseAsync();
                break;
        }
    }

    public override void ChannelRead(IChannelHandlerContext context, object message)
    {
        if (message is not IByteBuffer buffer) return;
        try
        {
            if (!_discardUntilTls) Forward(new ConnectionEvents.Line(buffer.ToString(Encoding.Latin1)));
        }
        finally
        {
            buffer.Release();
        }
    }

    private void Forward(ConnectionEvents.Line line)
    {
        if (_session is null) return;
        if (Interlocked.Increment(ref _unconsumed) >= PauseAt && !_paused)
        {
            _paused = true;
            _context.Channel.Configuration.AutoRead = false;
        }
        _session.Tell(new ConnectionEvents.Received(line));
    }

    public override void ChannelInactive(IChannelHandlerContext context)
    {
        _session?.Tell(ConnectionEvents.Closed.Instance);
        base.ChannelInactive(context);
    }

    public override void ExceptionCaught(IChannelHandlerContext context, Exception exception)
    {
        if (exception is TooLongFrameException) { if (!_discardUntilTls) Forward(ConnectionEvents.Line.Overlong); }
        else context.CloseAsync();
    }

    // IClientConnection: called from the session actor, on any thread.

    public void Write(string text) => _context.WriteAndFlushAsync(Unpooled.WrappedBuffer(Encoding.Latin1.GetBytes(text)));

    public Task WriteAsync(byte[] bytes)
    {
        var written = _context.WriteAndFlushAsync(Unpooled.WrappedBuffer(bytes));
        // Below the channel's high-water mark the caller may go on at once; above it, it waits for the socket.
        return _context.Channel.IsWritable ? Task.CompletedTask : written;
    }

    public void Consumed(int lines)
    {
        if (Interlocked.Add(ref _unconsumed, -lines) >= ResumeBelow || !_paused) return;
        _context.Channel.EventLoop.Execute(() =>
        {
            if (!_paused || Volatile.Read(ref _unconsumed) >= ResumeBelow) return;
            _paused = false;
            _context.Channel.Configuration.AutoRead = true;
        });
    }

    public void StartTls(string reply) => _context.Channel.EventLoop.Execute(() =>
    {
        _discardUntilTls = true;
        _context.WriteAndFlushAsync(Unpooled.WrappedBuffer(Encoding.Latin1.GetBytes(reply)));
        // A fresh line decoder: whatever clear text the old one held is handed on and discarded here.
        var pipeline = _context.Channel.Pipeline;
        pipeline.Replace(MailListener.LinesHandler, MailListener.LinesHandler, MailListener.NewLineDecoder(options));
        pipeline.AddFirst("tls", TlsHandlers.Server(options.Certificate));
    });

    public void Close() => _context.Channel.EventLoop.Execute(() =>
        _context.WriteAndFlushAsync(Unpooled.Empty).ContinueWith(_ => _context.CloseAsync()));
}
