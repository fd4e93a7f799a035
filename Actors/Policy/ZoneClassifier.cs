using System.Net;
using MailActors.Configuration;

namespace MailActors.Policy;

/// <summary>Classifies a client address by <c>networks.internal</c> and <c>networks.dialup</c>.</summary>
public sealed class ZoneClassifier(NetworkSettings networks)
{
    public Zone Classify(IPAddress address)
    {
        address = Normalize(address);
        if (networks.Internal.Any(n => n.Contains(address))) return Zone.Inside;
        if (networks.Dialup.Any(n => n.Contains(address))) return Zone.Dialup;
        return Zone.Outside;
    }

    public bool IsTrustedProxy(IPAddress address) =>
        networks.TrustedProxies.Any(n => n.Contains(Normalize(address)));

    /// <summary>IPv4-mapped IPv6 (<c>::ffff:a.b.c.d</c>) is the IPv4 address (docs/spec.md §3).</summary>
    public static IPAddress Normalize(IPAddress address) =>
        address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
