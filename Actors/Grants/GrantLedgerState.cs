using System.Collections.Immutable;

namespace MailActors.Grants;

/// <summary>
/// The ledger's state as a pure function of its events: what the actor keeps, what a snapshot holds
/// and what a replay (the audit command) rebuilds. Expired grants are dropped by their events; checks
/// compare with the clock anyway, so a late expiry never lets a grant be honoured.
/// </summary>
public sealed record GrantLedgerState(ImmutableDictionary<string, Grant> Grants)
{
    public static readonly GrantLedgerState Empty = new(ImmutableDictionary<string, Grant>.Empty);

    public GrantLedgerState Apply(IGrantEvent e) => e switch
    {
        GrantIssued i => new(Grants.SetItem(i.Key, new Grant(i.Key, i.Address, i.Account, i.Listener, i.Mechanism, i.Node, i.At, i.ExpiresAt))),
        GrantRenewed r => new(Grants.SetItem(r.Key, new Grant(r.Key, r.Address, r.Account, r.Listener, r.Mechanism, r.Node, r.At, r.ExpiresAt))),
        // An expiry recorded while a renewal was on its way must not drop the renewed grant.
        GrantExpired x => Grants.TryGetValue(x.Key, out var held) && held.ExpiresAt <= x.At ? new(Grants.Remove(x.Key)) : this,
        GrantRevoked v => new(Grants.Remove(v.Key)),
        _ => this,
    };

    /// <summary>The grant that covers <paramref name="key"/> at <paramref name="now"/>, if any.</summary>
    public Grant? ValidAt(string key, DateTime now) =>
        Grants.TryGetValue(key, out var grant) && grant.IsValidAt(now) ? grant : null;

    public IEnumerable<Grant> ExpiredAt(DateTime now) => Grants.Values.Where(g => !g.IsValidAt(now));

    public IEnumerable<Grant> OfAccount(string account) => Grants.Values.Where(g => g.Account == account);

    public IReadOnlyList<Grant> LiveAt(DateTime now) =>
        Grants.Values.Where(g => g.IsValidAt(now)).OrderBy(g => g.ExpiresAt).ToList();

    /// <summary>Issued when nothing live holds the key; renewed when something does.</summary>
    public IGrantEvent Earn(string key, string address, string account, string listener, string mechanism, string node, DateTime at, TimeSpan window) =>
        ValidAt(key, at) is null
            ? new GrantIssued(key, address, account, listener, mechanism, node, at, at + window)
            : new GrantRenewed(key, address, account, listener, mechanism, node, at, at + window);
}
