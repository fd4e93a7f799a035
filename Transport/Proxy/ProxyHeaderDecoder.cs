using System.Net;
using DotNetty.Buffers;
using DotNetty.Codecs;
using DotNetty.Transport.Channels;

namespace MailActors.Transport.Proxy;

/// <summary>Fired once a trusted proxy's header has been read: the client is <see cref="Source"/>.</summary>
public sealed record ProxyHeaderReceived(IPEndPoint Source);

/// <summary>
/// First in every pipeline. From a trusted proxy, the connection must begin with a PROXY header (else it is closed);
/// from anyone else, a PROXY header closes the connection, and anything else passes through untouched (docs/spec.md §3).
/// </summary>
public sealed class ProxyHeaderDecoder(bool fromTrustedProxy) : ByteToMessageDecoder
{
    protected override void Decode(IChannelHandlerContext context, IByteBuffer input, List<object> output)
    {
        var length = Math.Min(input.ReadableBytes, ProxyHeaderParser.MaxV2Length);
        var bytes = new byte[length];
        input.GetBytes(input.ReaderIndex, bytes);

        switch (ProxyHeaderParser.TryParse(bytes, out var source, out var consumed))
        {
            case ProxyParseResult.NeedMore when input.ReadableBytes < ProxyHeaderParser.MaxV2Length:
                return;
            case ProxyParseResult.NotProxy when !fromTrustedProxy:
                context.Channel.Pipeline.Remove(this); // hands the buffered bytes on
                return;
            case ProxyParseResult.Parsed when fromTrustedProxy:
                input.SkipBytes(consumed);
                context.FireUserEventTriggered(new ProxyHeaderReceived(source!));
                context.Channel.Pipeline.Remove(this);
                return;
            default:
                input.SkipBytes(input.ReadableBytes);
                context.CloseAsync();
                return;
        }
    }
}
