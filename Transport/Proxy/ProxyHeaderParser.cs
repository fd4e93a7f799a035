using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace MailActors.Transport.Proxy;

public enum ProxyParseResult
{
    /// <summary>The bytes so far could still become a header.</summary>
    NeedMore,
    /// <summary>The connection does not start with a PROXY header.</summary>
    NotProxy,
    /// <summary>It starts like a header but breaks the format, or carries no client address (UNKNOWN, LOCAL).</summary>
    Invalid,
    Parsed,
}

/// <summary>
/// HAProxy PROXY protocol v1 (text) and v2 (binary) headers, as sent by TCP load balancers
/// (haproxy.org/download/2.9/doc/proxy-protocol.txt). Only the source address is used.
/// </summary>
public static class ProxyHeaderParser
{
    public const int MaxV1Length = 107;
    public const int MaxV2Length = 16 + 1024;
    private static ReadOnlySpan<byte> V1Signature => "PROXY "u8;
    private static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    public static ProxyParseResult TryParse(ReadOnlySpan<byte> input, out IPEndPoint? source, out int consumed)
    {
        source = null;
        consumed = 0;
        if (StartsWith(input, V1Signature) is var v1 && v1 != ProxyParseResult.NotProxy)
            return v1 == ProxyParseResult.Parsed ? ParseV1(input, out source, out consumed) : v1;
        if (StartsWith(input, V2Signature) is var v2 && v2 != ProxyParseResult.NotProxy)
            return v2 == ProxyParseResult.Parsed ? ParseV2(input, out source, out consumed) : v2;
        return ProxyParseResult.NotProxy;
    }

    /// <summary>Parsed = the whole signature is there; NeedMore = a proper prefix of it.</summary>
    private static ProxyParseResult StartsWith(ReadOnlySpan<byte> input, ReadOnlySpan<byte> signature)
    {
        var n = Math.Min(input.Length, signature.Length);
        if (n == 0) return ProxyParseResult.NeedMore;
        if (!input[..n].SequenceEqual(signature[..n])) return ProxyParseResult.NotProxy;
        return input.Length >= signature.Length ? ProxyParseResult.Parsed : ProxyParseResult.NeedMore;
    }

    // "PROXY TCP4 192.0.2.1 198.51.100.1 56324 443\r\n"
    private static ProxyParseResult ParseV1(ReadOnlySpan<byte> input, out IPEndPoint? source, out int consumed)
    {
        source = null;
        consumed = 0;
        var end = input[..Math.Min(input.Length, MaxV1Length)].IndexOf("\r\n"u8);
        if (end < 0) return input.Length >= MaxV1Length ? ProxyParseResult.Invalid : ProxyParseResult.NeedMore;

        var fields = Encoding.ASCII.GetString(input[..end]).Split(' ');
        if (fields.Length != 6 || fields[1] is not ("TCP4" or "TCP6")) return ProxyParseResult.Invalid;
        if (!IPAddress.TryParse(fields[2], out var address) || !IPAddress.TryParse(fields[3], out _)) return ProxyParseResult.Invalid;
        var family = fields[1] == "TCP4" ? System.Net.Sockets.AddressFamily.InterNetwork : System.Net.Sockets.AddressFamily.InterNetworkV6;
        if (address.AddressFamily != family) return ProxyParseResult.Invalid;
        if (!ushort.TryParse(fields[4], out var port) || !ushort.TryParse(fields[5], out _)) return ProxyParseResult.Invalid;

        source = new IPEndPoint(address, port);
        consumed = end + 2;
        return ProxyParseResult.Parsed;
    }

    private static ProxyParseResult ParseV2(ReadOnlySpan<byte> input, out IPEndPoint? source, out int consumed)
    {
        source = null;
        consumed = 0;
        if (input.Length < 16) return ProxyParseResult.NeedMore;
        var versionCommand = input[12];
        var familyProtocol = input[13];
        var length = BinaryPrimitives.ReadUInt16BigEndian(input[14..16]);
        if (versionCommand >> 4 != 2 || 16 + length > MaxV2Length) return ProxyParseResult.Invalid;
        if (input.Length < 16 + length) return ProxyParseResult.NeedMore;
        if ((versionCommand & 0x0F) != 0x01) return ProxyParseResult.Invalid; // LOCAL: no client address to judge

        var body = input.Slice(16, length);
        switch (familyProtocol)
        {
            case 0x11 when length >= 12: // TCP over IPv4
                source = new IPEndPoint(new IPAddress(body[..4]), BinaryPrimitives.ReadUInt16BigEndian(body[8..10]));
                break;
            case 0x21 when length >= 36: // TCP over IPv6
                source = new IPEndPoint(new IPAddress(body[..16]), BinaryPrimitives.ReadUInt16BigEndian(body[32..34]));
                break;
            default:
                return ProxyParseResult.Invalid;
        }
        consumed = 16 + length;
        return ProxyParseResult.Parsed;
    }
}
