using MailActors.Grants;

namespace MailActors.Audit;

/// <summary>
/// Answers "who could relay from this address at time T, and what did that grant let out?" (docs/spec.md §8,
/// <c>mailactors audit --at T --ip ADDR</c>) from the grant ledger's events and the relay records.
/// A grant event (issued or renewed) is in force from its time until the earliest of its expiry, the next
/// renewal and a revocation — the same half-open window the live ledger honours: at its expiry it is over.
/// </summary>
public static class GrantHistory
{
    /// <summary>One issued or renewed event and the time it was in force.</summary>
    public sealed record Term(string Key, string Address, string Account, string Listener, string Mechanism, string Node,
        DateTime From, DateTime Until, string Ended);

    /// <summary>The term in force at the time, the continuous grant it belongs to (issued, then renewed), and the messages that grant let out.</summary>
    public sealed record Answer(Term Term, IReadOnlyList<Term> Grant, IReadOnlyList<RelayAccepted> Messages);

    public static Answer? At(string key, DateTime at, IEnumerable<IGrantEvent> ledgerInOrder, IEnumerable<RelayAccepted> relays)
    {
        var terms = TermsOf(key, ledgerInOrder);
        var index = terms.FindIndex(t => t.From <= at && at < t.Until);
        if (index < 0) return null;

        // The continuous grant: back to the term that issued it, on through the renewals that followed without a gap.
        var first = index;
        while (first > 0 && terms[first - 1].Ended == "renewed") first--;
        var last = index;
        while (last < terms.Count - 1 && terms[last].Ended == "renewed") last++;
        var grant = terms.GetRange(first, last - first + 1);

        var starts = grant.Select(t => t.From).ToHashSet();
        var messages = relays.Where(r => r.GrantKey == key && r.GrantAt is { } g && starts.Contains(g)).OrderBy(r => r.At).ToList();
        return new Answer(terms[index], grant, messages);
    }

    public static List<Term> TermsOf(string key, IEnumerable<IGrantEvent> ledgerInOrder)
    {
        var terms = new List<Term>();
        foreach (var e in ledgerInOrder.Where(e => e.Key == key))
        {
            var open = terms.Count > 0 && terms[^1].Ended == "expired" && terms[^1].Until > e.At ? terms.Count - 1 : -1;
            switch (e)
            {
                case GrantIssued or GrantRenewed:
                    var (address, listener, mechanism, until) = e switch
                    {
                        GrantIssued i => (i.Address, i.Listener, i.Mechanism, i.ExpiresAt),
                        GrantRenewed r => (r.Address, r.Listener, r.Mechanism, r.ExpiresAt),
                        _ => throw new InvalidOperationException(),
                    };
                    if (open >= 0) terms[open] = terms[open] with { Until = e.At, Ended = "renewed" };
                    terms.Add(new Term(key, address, e.Account, listener, mechanism, e.Node, e.At, until, "expired"));
                    break;
                case GrantRevoked v when open >= 0:
                    terms[open] = terms[open] with { Until = v.At, Ended = "revoked: " + v.Reason };
                    break;
            }
        }
        return terms;
    }
}
