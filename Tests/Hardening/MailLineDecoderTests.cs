using System.Text;
using DotNetty.Buffers;
using DotNetty.Transport.Channels.Embedded;
using MailActors.Sessions;
using MailActors.Transport.Listeners;

namespace MailActors.Tests.Hardening;

/// <summary>Transport's line framing in an embedded channel: an over-long line is reported when the limit is crossed.</summary>
public sealed class MailLineDecoderTests
{
    private static List<ConnectionEvents.Line> Feed(EmbeddedChannel channel, string text)
    {
        channel.WriteInbound(Unpooled.WrappedBuffer(Encoding.Latin1.GetBytes(text)));
        var lines = new List<ConnectionEvents.Line>();
        while (channel.ReadInbound<object>() is ConnectionEvents.Line line) lines.Add(line);
        return lines;
    }

    [Fact]
    public void A_line_over_the_limit_is_reported_as_soon_as_the_limit_is_crossed_and_its_rest_discarded()
    {
        var channel = new EmbeddedChannel(new MailLineDecoder(100));
        var early = Feed(channel, new string('x', 102_400)); // 100 KB and no newline yet
        Assert.Equal([new ConnectionEvents.Line("", TooLong: true)], early);
        Assert.Empty(Feed(channel, new string('y', 50_000)));
        Assert.Equal([new ConnectionEvents.Line("NOOP")], Feed(channel, "zzz\r\nNOOP\r\n")); // the end of the long line says nothing more
    }

    [Fact]
    public void An_over_long_line_that_ends_in_a_bare_lf_is_reported_again_so_data_knows_how_it_ended()
    {
        var channel = new EmbeddedChannel(new MailLineDecoder(100));
        Assert.Single(Feed(channel, new string('x', 200)));
        Assert.Equal([new ConnectionEvents.Line("", TooLong: true, BareLineFeed: true), new ConnectionEvents.Line(".")], Feed(channel, "x\n.\r\n"));
    }

    [Fact]
    public void Lines_within_the_limit_keep_how_they_ended()
    {
        var channel = new EmbeddedChannel(new MailLineDecoder(100));
        Assert.Equal([new ConnectionEvents.Line("a"), new ConnectionEvents.Line("b", BareLineFeed: true), new ConnectionEvents.Line("c\rd")],
            Feed(channel, "a\r\nb\nc\rd\r\n"));
    }
}
