using System.Net;
using System.Text;
using MailActors.Transport.Proxy;

namespace MailActors.Tests.Transport;

public sealed class ProxyHeaderParserTests
{
    private static (ProxyParseResult, IPEndPoint?, int) Parse(byte[] bytes)
    {
        var result = ProxyHeaderParser.TryParse(bytes, out var source, out var consumed);
        return (result, source, consumed);
    }

    [Fact]
    public void A_v1_header_gives_the_client_address_and_its_length()
    {
        var header = "PROXY TCP4 203.0.113.7 192.0.2.1 51000 110\r\n";
        var (result, source, consumed) = Parse(Encoding.ASCII.GetBytes(header + "CAPA\r\n"));
        Assert.Equal(ProxyParseResult.Parsed, result);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("203.0.113.7"), 51000), source);
        Assert.Equal(header.Length, consumed);
    }

    [Fact]
    public void A_v1_tcp6_header_is_read()
    {
        var (result, source, _) = Parse(Encoding.ASCII.GetBytes("PROXY TCP6 2001:db8::7 2001:db8::1 51000 995\r\n"));
        Assert.Equal(ProxyParseResult.Parsed, result);
        Assert.Equal(IPAddress.Parse("2001:db8::7"), source!.Address);
    }

    [Fact]
    public void A_v2_header_with_tlvs_is_read_whole()
    {
        byte[] header = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21, 0x11, 0x00, 15,
            198, 51, 100, 9, 192, 0, 2, 1, 0x01, 0xBB, 0x00, 0x6E, 0x04, 0x00, 0x00];
        var (result, source, consumed) = Parse([.. header, .. "CAPA"u8.ToArray()]);
        Assert.Equal(ProxyParseResult.Parsed, result);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("198.51.100.9"), 443), source);
        Assert.Equal(header.Length, consumed);
    }

    [Theory]
    [InlineData("P")]
    [InlineData("PROXY TCP4 1.2.3.4")]
    [InlineData("\r\n\r\n\0\r\nQU")]
    public void A_partial_header_needs_more(string partial) =>
        Assert.Equal(ProxyParseResult.NeedMore, Parse(Encoding.Latin1.GetBytes(partial)).Item1);

    [Theory]
    [InlineData("CAPA\r\n")]
    [InlineData("PASS x\r\n")]
    [InlineData("\u0016\u0003\u0001")]
    public void Ordinary_traffic_is_not_a_header(string text) =>
        Assert.Equal(ProxyParseResult.NotProxy, Parse(Encoding.Latin1.GetBytes(text)).Item1);

    [Theory]
    [InlineData("PROXY UNKNOWN\r\n")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n")]
    [InlineData("PROXY TCP4 2001:db8::1 5.6.7.8 1 2\r\n")]
    [InlineData("PROXY TCP4 1.2.3.4 5.6.7.8 99999 2\r\n")]
    public void Broken_or_addressless_v1_headers_are_invalid(string text) =>
        Assert.Equal(ProxyParseResult.Invalid, Parse(Encoding.ASCII.GetBytes(text)).Item1);

    [Fact]
    public void A_v1_header_without_an_end_within_107_octets_is_invalid() =>
        Assert.Equal(ProxyParseResult.Invalid, Parse(Encoding.ASCII.GetBytes("PROXY TCP4 " + new string('1', 200))).Item1);

    [Fact]
    public void A_v2_local_command_is_invalid()
    {
        byte[] local = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x20, 0x00, 0x00, 0x00];
        Assert.Equal(ProxyParseResult.Invalid, Parse(local).Item1);
    }
}
