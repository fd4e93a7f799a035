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
/// and its writes back. Reading is on demand (AutoRead off): the actor asks for the next chunk
/// when it has dealt with the last, so a busy session stops its socket being read.
/// </summary>
internal sealed class SessionBridge(ListenerOptions options, bool awaitProxyHeader) : ChannelHandlerAdapter, IClientConnection
{
    private IChannelHandlerContext _context = null!;
    private IActorRef? _session;
    private volatile bool _tls = options.ImplicitTls;
    private bool _discardUntilTls;

    public IPAddress ClientAddress { get; private set; } = IPAddress.None;

    public bool IsTls => _tls;

    public override void ChannelActive(IChannelHandlerContext context)
    {
        _context = context;
        ClientAddress = ((IPEndPoint)context.Channel.RemoteAddress).Address;
        if (awaitProxyHeader) context.Read();
        else StartSession();
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
            if (_discardUntilTls || _session is null) return;
            _session.Tell(new ConnectionEvents.LineReceived(buffer.ToString(Encoding.Latin1)));
        }
        finally
        {
            buffer.Release();
        }
    }

    public override void ChannelReadComplete(IChannelHandlerContext context)
    {
        if (_session is null) context.Read(); // still waiting for the PROXY header
        else _session.Tell(ConnectionEvents.ReadComplete.Instance);
    }

    public override void ChannelInactive(IChannelHandlerContext context)
    {
        _session?.Tell(ConnectionEvents.Closed.Instance);
        base.ChannelInactive(context);
    }

    public override void ExceptionCaught(IChannelHandlerContext context, Exception exception)
    {
        if (exception is TooLongFrameException) _session?.Tell(ConnectionEvents.LineTooLong.Instance);
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

    public void RequestRead() => _context.Channel.EventLoop.Execute(() => _context.Read());

    public void StartTls(string reply) => _context.Channel.EventLoop.Execute(() =>
    {
        _discardUntilTls = true;
        _context.WriteAndFlushAsync(Unpooled.WrappedBuffer(Encoding.Latin1.GetBytes(reply)));
        // A fresh line decoder: whatever clear text the old one held is handed on and discarded here.
        var pipeline = _context.Channel.Pipeline;
        pipeline.Replace(MailListener.LinesHandler, MailListener.LinesHandler, MailListener.NewLineDecoder(options));
        pipeline.AddFirst("tls", TlsHandlers.Server(options.Certificate));
        _context.Read();
    });

    public void Close() => _context.Channel.EventLoop.Execute(() =>
        _context.WriteAndFlushAsync(Unpooled.Empty).ContinueWith(_ => _context.CloseAsync()));
}
