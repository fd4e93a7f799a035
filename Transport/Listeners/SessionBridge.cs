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
internal sealed class SessionBridge(ListenerOptions options, EventLoopDispatchers dispatchers) : ChannelHandlerAdapter, IClientConnection
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

    public string Dispatcher => dispatchers.For(_context.Channel.EventLoop);

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
            case IdleStateEvent when _session is null: // a trusted proxy that never sent its header
                context.CloseAsync();
                break;
            case IdleStateEvent:
                _session.Tell(ConnectionEvents.Idle.Instance);
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
        switch (message)
        {
            case ConnectionEvents.Line line when !_discardUntilTls:
                Forward(line);
                break;
            case IByteBuffer unframed: // what a removed line decoder held (clear text before STLS): discarded
                unframed.Release();
                break;
        }
    }

    private void Forward(ConnectionEvents.Line line)
    {
        if (_session is null) return;
        if (Interlocked.Increment(ref _unconsumed) >= PauseAt && !_paused)
        {
            _paused = true;
            UpdateAutoRead();
        }
        _session.Tell(new ConnectionEvents.Received(line));
    }

    /// <summary>Read only while the session keeps up with input and the client keeps up with output
    /// (a client that sends commands but never reads the replies must not fill the server's memory).</summary>
    private void UpdateAutoRead() => _context.Channel.Configuration.AutoRead = !_paused && _context.Channel.IsWritable;

    public override void ChannelWritabilityChanged(IChannelHandlerContext context)
    {
        UpdateAutoRead();
        base.ChannelWritabilityChanged(context);
    }

    public override void ChannelInactive(IChannelHandlerContext context)
    {
        _session?.Tell(ConnectionEvents.Closed.Instance);
        base.ChannelInactive(context);
    }

    public override void ExceptionCaught(IChannelHandlerContext context, Exception exception)
    {
        context.CloseAsync();
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
            UpdateAutoRead();
        });
    }

    public void StartTls(string reply) => _context.Channel.EventLoop.Execute(() =>
    {
        _discardUntilTls = true;
        _context.WriteAndFlushAsync(Unpooled.WrappedBuffer(Encoding.Latin1.GetBytes(reply)));
        // A fresh line decoder. Removing the old one hands its buffered clear text (even half a line)
        // to this bridge, which discards it; Replace would pass it on to the new decoder instead.
        var pipeline = _context.Channel.Pipeline;
        pipeline.Remove(MailListener.LinesHandler);
        pipeline.AddBefore(MailListener.SessionHandler, MailListener.LinesHandler, MailListener.NewLineDecoder(options));
        pipeline.AddFirst("tls", TlsHandlers.Server(options.Certificate));
        pipeline.AddAfter("tls", TlsHandshakeDeadline.Name, new TlsHandshakeDeadline(options.TlsHandshakeTimeout));
    });

    /// <summary>Flushes, then closes; a client that stops reading does not hold the connection (and its
    /// mailbox lock) open: after <see cref="CloseGrace"/> it is closed regardless.</summary>
    /// <remarks>The grace timer is set only while replies wait for the client, and cancelled once they
    /// are out: a timer left behind by every closed connection (thousands a second under load) filled
    /// the event loop's timer queue, whose removal is a linear search and whose due timers spin the loop.</remarks>
    public void Close() => _context.Channel.EventLoop.Execute(() =>
    {
        var flushed = _context.WriteAndFlushAsync(Unpooled.Empty);
        if (flushed.IsCompleted)
        {
            _context.CloseAsync();
            return;
        }
        var grace = _context.Channel.EventLoop.Schedule(() => _context.CloseAsync(), CloseGrace);
        flushed.ContinueWith(_ =>
        {
            grace.Cancel();
            _context.CloseAsync();
        }, TaskScheduler.Default);
    });

    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(5);
}
