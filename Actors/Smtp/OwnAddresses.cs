using System.Net;
using System.Net.NetworkInformation;

namespace MailActors.Smtp;

/// <summary>
/// The addresses that reach this host: loopback, the unspecified address and every interface address (so every
/// listener address too: a listener binds one of them or all). Mail for an address literal naming one of them
/// would be relayed back to this server (docs/spec.md §14). Interfaces come and go, so the list is re-read at most
/// once a minute.
/// </summary>
public static class OwnAddresses
{
    private static readonly TimeSpan ReadEvery = TimeSpan.FromMinutes(1);
    private static volatile Snapshot? _current;

    private sealed record Snapshot(HashSet<IPAddress> Addresses, DateTime ReadAt);

    public static bool Contains(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)) return true;
        var snapshot = _current;
        if (snapshot is null || DateTime.UtcNow - snapshot.ReadAt > ReadEvery) _current = snapshot = Read();
        return snapshot.Addresses.Contains(address);
    }

    private static Snapshot Read()
    {
        var addresses = new HashSet<IPAddress>();
        try
        {
            foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
                foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
                {
                    var a = unicast.Address;
                    addresses.Add(a.IsIPv6LinkLocal ? new IPAddress(a.GetAddressBytes()) : a); // without the scope id
                }
        }
        catch (NetworkInformationException)
        {
            // Without the interface list, loopback and the unspecified address are still known.
        }
        return new Snapshot(addresses, DateTime.UtcNow);
    }
}
