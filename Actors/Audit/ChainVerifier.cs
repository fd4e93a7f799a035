namespace MailActors.Audit;

/// <summary>
/// Walks one stream's stored events in sequence order and names every link that does not hold (docs/spec.md §8):
/// a sequence number missing (a deleted row), contents that no longer match their hash (an edited row),
/// a predecessor hash that is not the previous event's (a removed or reordered row), an unreadable row.
/// The check goes on after a break from the stored hash, so one tampered row gives one or two findings.
/// </summary>
public static class ChainVerifier
{
    public sealed record Finding(string Stream, long SequenceNr, string Problem)
    {
        public override string ToString() => $"BROKEN: stream {Stream}, sequence {SequenceNr}: {Problem}";
    }

    public static IEnumerable<Finding> Verify(string stream, IEnumerable<AuditEntry> entries)
    {
        var expected = 1L;
        string? previous = Chained.Genesis; // null: the predecessor could not be read
        foreach (var entry in entries)
        {
            var problems = new List<string>();
            if (entry.SequenceNr > expected)
                problems.Add(entry.SequenceNr == expected + 1
                    ? $"sequence {expected} is missing (a row was removed)"
                    : $"sequences {expected}–{entry.SequenceNr - 1} are missing (rows were removed)");
            if (entry.Link is not { } link)
            {
                problems.Add("cannot be read: " + entry.ReadError);
                previous = null;
            }
            else
            {
                if (!link.IsIntact) problems.Add("its contents do not match its hash (the row was changed)");
                if (previous is not null && link.Prev != previous && entry.SequenceNr <= expected)
                    problems.Add("it does not follow its predecessor (rows were reordered, or the one before was changed or replaced)");
                previous = link.Hash;
            }
            foreach (var problem in problems) yield return new Finding(stream, entry.SequenceNr, problem);
            expected = entry.SequenceNr + 1;
        }
    }
}
