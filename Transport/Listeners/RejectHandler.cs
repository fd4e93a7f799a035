using System.Text;
using DotNetty.Buffers;
using DotNetty.Transport.Channels;

namespace MailActors.Transport.Listeners;

/// <summary>The whole pipeline of a connection the node has no room for: one reply (if any), then close.</summary>
internal sealed class RejectHandler(string? reply) : ChannelHandlerAdapter
{
    public override void ChannelActive(IChannelHandlerContext context)
    {
        if (reply is null) context.CloseAsync();
        else context.WriteAndFlushAsync(Unpooled.WrappedBuffer(Encoding.ASCII.GetBytes(reply))).ContinueWith(_ => context.CloseAsync());
    }

    public override void ChannelRead(IChannelHandlerContext context, object message) => DotNetty.Common.Utilities.ReferenceCountUtil.Release(message);
}
