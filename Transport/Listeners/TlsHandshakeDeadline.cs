using DotNetty.Common.Concurrency;
using DotNetty.Handlers.Tls;
using DotNetty.Transport.Channels;

namespace MailActors.Transport.Listeners;

/// <summary>
/// Closes a connection whose TLS handshake (implicit, or after STARTTLS/STLS) has not finished within
/// <paramref name="limit"/> (<c>limits.tls-handshake-timeout</c>, docs/spec.md §14): a client that opens a handshake and
/// stalls holds no socket for longer. Sits right after the TLS handler, which reports the handshake's end as a user event;
/// when the deadline passes it reports a failed handshake itself, so the session ends saying why, and closes.
/// </summary>
internal sealed class TlsHandshakeDeadline(TimeSpan limit) : ChannelHandlerAdapter
{
    public const string Name = "tls-deadline";
    private IScheduledTask? _deadline;
    private bool _done;

    public override void HandlerAdded(IChannelHandlerContext context)
    {
        if (context.Channel.Active) Start(context);
    }

    public override void ChannelActive(IChannelHandlerContext context)
    {
        Start(context);
        base.ChannelActive(context);
    }

    private void Start(IChannelHandlerContext context)
    {
        if (_deadline is not null || _done) return;
        _deadline = context.Executor.Schedule(() => Expire(context), limit);
    }

    private void Expire(IChannelHandlerContext context)
    {
        if (_done) return;
        _done = true;
        context.FireUserEventTriggered(new TlsHandshakeCompletionEvent(new TimeoutException($"handshake not finished within {limit.TotalSeconds:0.###}s")));
        context.CloseAsync();
    }

    public override void UserEventTriggered(IChannelHandlerContext context, object evt)
    {
        if (evt is TlsHandshakeCompletionEvent)
        {
            _done = true;
            _deadline?.Cancel();
        }
        base.UserEventTriggered(context, evt);
    }

    public override void ChannelInactive(IChannelHandlerContext context)
    {
        _deadline?.Cancel();
        base.ChannelInactive(context);
    }
}
