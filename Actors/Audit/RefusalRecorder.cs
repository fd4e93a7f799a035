namespace MailActors.Audit;

/// <summary>Refusals of one kind repeated on a connection: how many, from when to when.</summary>
public sealed record Repeats(int Count, DateTime First, DateTime Last);

/// <summary>
/// One connection's refusals, by kind, as audit facts (docs/spec.md §14): the first of a kind is its own fact; the
/// repeats are counted and recorded as one fact with the count when <see cref="FlushAt"/> have gathered or the
/// connection ends (<see cref="Flush"/>), so a client pipelining refusals cannot grow the journal one row each.
/// Not thread-safe: one session actor owns it.
/// </summary>
/// <param name="kindOf">what makes two refusals the same kind.</param>
/// <param name="first">the fact of a kind's first refusal.</param>
/// <param name="repeated">the fact of a kind's repeats.</param>
public sealed class RefusalRecorder<TRefusal, TKind>(
    FactRecorder facts,
    Func<TRefusal, TKind> kindOf,
    Func<TRefusal, DateTime, IAuditFact> first,
    Func<TKind, Repeats, IAuditFact> repeated) where TKind : notnull
{
    public const int FlushAt = 100;
    private readonly HashSet<TKind> _seen = [];
    private readonly Dictionary<TKind, Repeats> _repeats = new();

    public void Record(TRefusal refusal, DateTime at)
    {
        var kind = kindOf(refusal);
        if (_seen.Add(kind))
        {
            facts.Record(first(refusal, at));
            return;
        }
        var repeats = _repeats.TryGetValue(kind, out var r) ? r with { Count = r.Count + 1, Last = at } : new Repeats(1, at, at);
        if (repeats.Count < FlushAt)
        {
            _repeats[kind] = repeats;
            return;
        }
        _repeats.Remove(kind);
        facts.Record(repeated(kind, repeats));
    }

    /// <summary>Records the repeats not yet recorded, at the connection's end.</summary>
    public void Flush()
    {
        foreach (var (kind, repeats) in _repeats) facts.Record(repeated(kind, repeats));
        _repeats.Clear();
    }
}
