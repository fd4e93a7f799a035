using System.Text;
using DotNetty.Buffers;
using DotNetty.Codecs;
using DotNetty.Common.Utilities;
using DotNetty.Transport.Channels;
using MailActors.Sessions;

namespace MailActors.Transport.Listeners;

/// <summary>
/// Splits the byte stream into lines at LF and says how each one ended: CRLF, or a bare LF that SMTP's
/// smuggling defence must see (DotNetty's line decoder strips both alike). A bare CR stays in the text.
/// A line longer than <paramref name="maxLength"/> octets is reported as a <see cref="ConnectionEvents.Line.TooLong"/>
/// line as soon as the limit is crossed, so the client is answered at once (docs/spec.md §14), and the rest of it is
/// discarded up to its LF. That first report says the line ended with CRLF; if it ends with a bare LF after all, a
/// second report says so, because the DATA reader must know how the line before a "." ended (smuggling defence).
/// </summary>
internal sealed class MailLineDecoder(int maxLength) : ByteToMessageDecoder
{
    private bool _discarding;
    private byte _lastDiscarded;

    protected override void Decode(IChannelHandlerContext context, IByteBuffer input, List<object> output)
    {
        while (input.IsReadable())
        {
            var lf = input.ForEachByte(ByteProcessor.FindLF);
            if (_discarding)
            {
                if (lf < 0) { Discard(input); return; }
                var lastBeforeLf = lf > input.ReaderIndex ? input.GetByte(lf - 1) : _lastDiscarded;
                if (lastBeforeLf != '\r') output.Add(Overlong(crlf: false));
                input.SetReaderIndex(lf + 1);
                _discarding = false;
                continue;
            }
            if (lf < 0)
            {
                if (input.ReadableBytes > maxLength + 1) // +1: the CR of a CRLF may arrive before its LF
                {
                    output.Add(Overlong(crlf: true));
                    Discard(input);
                    _discarding = true;
                }
                return;
            }
            var length = lf - input.ReaderIndex;
            var crlf = length > 0 && input.GetByte(lf - 1) == '\r';
            var textLength = crlf ? length - 1 : length;
            if (textLength > maxLength)
            {
                output.Add(Overlong(crlf));
            }
            else
            {
                output.Add(new ConnectionEvents.Line(input.ToString(input.ReaderIndex, textLength, Encoding.Latin1), BareLineFeed: !crlf));
            }
            input.SetReaderIndex(lf + 1);
        }
    }

    private void Discard(IByteBuffer input)
    {
        _lastDiscarded = input.GetByte(input.WriterIndex - 1);
        input.SkipBytes(input.ReadableBytes);
    }

    private static ConnectionEvents.Line Overlong(bool crlf) => new("", TooLong: true, BareLineFeed: !crlf);
}
