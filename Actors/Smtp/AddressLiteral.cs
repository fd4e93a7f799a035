using System.Net;

namespace MailActors.Smtp;

/// <summary>A domain written as an address literal, <c>[192.0.2.1]</c> or <c>[IPv6:2001:db8::1]</c> (RFC 5321 §4.1.3).</summary>
public static class AddressLiteral
{
    /// <returns>the address (an IPv4-mapped IPv6 address as IPv4), or null when the domain is not an address literal.</returns>
    public static IPAddress? Parse(string domain)
    {
        if (domain.Length < 3 || domain[0] != '[' || domain[^1] != ']') return null;
        var literal = domain[1..^1];
        if (literal.StartsWith("ipv6:", StringComparison.OrdinalIgnoreCase)) literal = literal[5..];
        if (!IPAddress.TryParse(literal, out var address)) return null;
        return address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
    }
}
