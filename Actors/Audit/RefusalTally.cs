namespace MailActors.Audit;

/// <summary>Refusals of one kind repeated on a connection: how many, from when to when.</summary>
public sealed record Repeats(int Count, DateTime First, DateTime Last);

/// <summary>
/// One connection's refusals by kind (docs/spec.md §14): the first of a kind is recorded as its own fact; the
/// repeats are counted, and recorded as one fact with the count when the connection ends (<see cref="Drain"/>) or
/// when <see cref="FlushAt"/> have gathered. Not thread-safe: one session actor owns it.
/// </summary>
public sealed class RefusalTally<TKind> where TKind : notnull
{
    public const int FlushAt = 100;
    private readonly HashSet<TKind> _seen = [];
    private readonly Dictionary<TKind, Repeats> _repeats = new();

    /// <returns>true for the first refusal of its kind: record it as its own fact. Otherwise it is counted, and the
    /// repeats gathered so far come back in <paramref name="flush"/> once there are <see cref="FlushAt"/> of them.</returns>
    public bool Count(TKind kind, DateTime at, out Repeats? flush)
    {
        flush = null;
        if (_seen.Add(kind)) return true;
        var repeats = _repeats.TryGetValue(kind, out var r) ? r with { Count = r.Count + 1, Last = at } : new Repeats(1, at, at);
        if (repeats.Count >= FlushAt)
        {
            _repeats.Remove(kind);
            flush = repeats;
        }
        else
        {
            _repeats[kind] = repeats;
        }
        return false;
    }

    /// <summary>The repeats not yet recorded, at the connection's end.</summary>
    public IReadOnlyList<(TKind Kind, Repeats Repeats)> Drain()
    {
        var left = _repeats.Select(kv => (kv.Key, kv.Value)).ToList();
        _repeats.Clear();
        return left;
    }
}
