using System.Collections.Concurrent;
using System.Net;

namespace MailActors.Sessions;

/// <summary>Counts open connections per outside client (<see cref="ClientKey"/>: IPv4 address or IPv6 /64) on one
/// listener (<c>limits.max-connections-per-address</c>).</summary>
public sealed class ConnectionLimiter(int maxPerAddress)
{
    private readonly ConcurrentDictionary<string, int> _open = new();

    public bool TryAcquire(IPAddress address)
    {
        var key = ClientKey.Of(address);
        while (true)
        {
            var current = _open.GetOrAdd(key, 0);
            if (current >= maxPerAddress) return false;
            if (_open.TryUpdate(key, current + 1, current)) return true;
        }
    }

    public void Release(IPAddress address)
    {
        var key = ClientKey.Of(address);
        while (_open.TryGetValue(key, out var current))
        {
            if (current <= 1 ? _open.TryRemove(KeyValuePair.Create(key, current)) : _open.TryUpdate(key, current - 1, current))
                return;
        }
    }
}
