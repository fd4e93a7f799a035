using System.Net;
using MailActors.Grants;

namespace MailActors.Sessions;

/// <summary>
/// What per-address limits count by (docs/spec.md §6, §14): an IPv4 address, or the /64 that holds an IPv6 address,
/// since one IPv6 client usually has a whole /64 to pick addresses from.
/// </summary>
public static class ClientKey
{
    public const int Ipv6Prefix = 64;

    public static string Of(IPAddress address) => GrantKey.Of(address, Ipv6Prefix);
}
