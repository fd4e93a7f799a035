using System.Collections.Concurrent;
using System.Net;

namespace MailActors.Sessions;

/// <summary>Counts open connections per outside address on one listener (<c>limits.max-connections-per-address</c>).</summary>
public sealed class ConnectionLimiter(int maxPerAddress)
{
    private readonly ConcurrentDictionary<IPAddress, int> _open = new();

    public bool TryAcquire(IPAddress address)
    {
        while (true)
        {
            var current = _open.GetOrAdd(address, 0);
            if (current >= maxPerAddress) return false;
            if (_open.TryUpdate(address, current + 1, current)) return true;
        }
    }

    public void Release(IPAddress address)
    {
        while (_open.TryGetValue(address, out var current))
        {
            if (current <= 1 ? _open.TryRemove(KeyValuePair.Create(address, current)) : _open.TryUpdate(address, current - 1, current))
                return;
        }
    }
}
