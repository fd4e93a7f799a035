using System.Net;
using System.Net.Sockets;
using MailActors.Policy;

namespace MailActors.Grants;

/// <summary>What a grant is held by (docs/spec.md §7): an IPv4 address, or an IPv6 prefix (<c>pop-before-smtp.ipv6-prefix</c>).</summary>
public static class GrantKey
{
    public static string Of(IPAddress address, int ipv6Prefix)
    {
        var normal = ZoneClassifier.Normalize(address);
        if (normal.AddressFamily != AddressFamily.InterNetworkV6) return normal.ToString();
        var network = new IPNetwork(Masked(normal, ipv6Prefix), ipv6Prefix);
        return network.ToString();
    }

    private static IPAddress Masked(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var bit = prefix; bit < bytes.Length * 8; bit++) bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        return new IPAddress(bytes);
    }

    /// <summary>A key typed by an administrator (<c>grants revoke ADDRESS</c>): an address or an IPv6 prefix.</summary>
    public static string? Parse(string text, int ipv6Prefix)
    {
        if (IPAddress.TryParse(text, out var address)) return Of(address, ipv6Prefix);
        return IPNetwork.TryParse(text, out var network) && network.PrefixLength == ipv6Prefix
            ? Of(network.BaseAddress, ipv6Prefix)
            : null;
    }
}
