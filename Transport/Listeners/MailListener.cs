using System.Collections.Concurrent;
using System.Net;
using DotNetty.Buffers;
using DotNetty.Codecs;
using DotNetty.Handlers.Timeout;
using DotNetty.Transport.Bootstrapping;
using DotNetty.Transport.Channels;
using DotNetty.Transport.Channels.Sockets;
using MailActors.Transport.Proxy;

namespace MailActors.Transport.Listeners;

/// <summary>
/// One DotNetty listener per port. Each accepted channel's pipeline:
/// PROXY header check → TLS (implicit-TLS listeners) → idle timer → line framing with a length limit → session bridge.
/// </summary>
public sealed class MailListener
{
    internal const string LinesHandler = "lines";
    internal const string SessionHandler = "session";
    private readonly ListenerOptions _options;
    private readonly EventLoopDispatchers _dispatchers;
    private readonly ConcurrentDictionary<IChannel, bool> _connections = new();
    private IChannel? _channel;

    private MailListener(ListenerOptions options, EventLoopDispatchers dispatchers)
    {
        _options = options;
        _dispatchers = dispatchers;
    }

    /// <exception cref="ListenerBindException">the port cannot be bound.</exception>
    internal static async Task<MailListener> BindAsync(ListenerOptions options, IEventLoopGroup boss, IEventLoopGroup workers, EventLoopDispatchers dispatchers)
    {
        var listener = new MailListener(options, dispatchers);
        var bootstrap = new ServerBootstrap()
            .Group(boss, workers)
            .Channel<TcpServerSocketChannel>()
            .Option(ChannelOption.SoBacklog, 4096)
            .ChildOption(ChannelOption.TcpNodelay, true)
            .ChildOption(ChannelOption.Allocator, UnpooledByteBufferAllocator.Default)
            .ChildHandler(new ActionChannelInitializer<ISocketChannel>(listener.InitChannel));
        try
        {
            listener._channel = await bootstrap.BindAsync(options.Endpoint);
        }
        catch (Exception e)
        {
            throw new ListenerBindException($"cannot listen on {options.Endpoint}: {e.GetBaseException().Message}");
        }
        return listener;
    }

    private void InitChannel(ISocketChannel channel)
    {
        if (!_options.Gate.TryEnter())
        {
            channel.Pipeline.AddLast(new RejectHandler(_options.ImplicitTls ? null : _options.BusyReply));
            return;
        }
        _connections[channel] = true;
        channel.CloseCompletion.ContinueWith(_ =>
        {
            _options.Gate.Exit();
            _connections.TryRemove(channel, out var _);
        });

        var trusted = _options.IsTrustedProxy(((IPEndPoint)channel.RemoteAddress).Address);
        var pipeline = channel.Pipeline;
        pipeline.AddLast("proxy", new ProxyHeaderDecoder(trusted));
        if (_options.ImplicitTls)
        {
            pipeline.AddLast("tls", TlsHandlers.Server(_options.Certificate));
            pipeline.AddLast(TlsHandshakeDeadline.Name, new TlsHandshakeDeadline(_options.TlsHandshakeTimeout));
        }
        // Idle = neither reading nor writing (a long download on a slow link is not idle).
        pipeline.AddLast("idle", new IdleStateHandler(true, TimeSpan.Zero, TimeSpan.Zero, _options.IdleTimeout));
        pipeline.AddLast(LinesHandler, NewLineDecoder(_options));
        pipeline.AddLast(SessionHandler, new SessionBridge(_options, _dispatchers));
    }

    internal static MailLineDecoder NewLineDecoder(ListenerOptions options) => new(options.MaxLineLength);

    /// <summary>Stops accepting, then closes every open connection.</summary>
    public async Task CloseAsync()
    {
        if (_channel is not null) await _channel.CloseAsync();
        await Task.WhenAll(_connections.Keys.Select(c => c.CloseAsync()));
    }
}

public sealed class ListenerBindException(string message) : Exception(message);
