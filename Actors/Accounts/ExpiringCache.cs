using System.Collections.Concurrent;

namespace MailActors.Accounts;

/// <summary>Values remembered for a fixed time, bounded in number (cleared whole when full). Thread-safe.</summary>
public sealed class ExpiringCache<TKey, TValue>(TimeSpan ttl, int capacity = 100_000) where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, (TValue Value, DateTime Until)> _entries = new();

    public bool TryGet(TKey key, out TValue value)
    {
        if (_entries.TryGetValue(key, out var entry) && entry.Until > DateTime.UtcNow)
        {
            value = entry.Value;
            return true;
        }
        value = default!;
        return false;
    }

    public void Set(TKey key, TValue value)
    {
        if (ttl <= TimeSpan.Zero) return;
        if (_entries.Count >= capacity) _entries.Clear();
        _entries[key] = (value, DateTime.UtcNow + ttl);
    }

    public void Remove(TKey key) => _entries.TryRemove(key, out _);
}
