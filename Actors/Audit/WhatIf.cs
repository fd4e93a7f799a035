using System.Net;
using MailActors.Grants;
using MailActors.Policy;

namespace MailActors.Audit;

/// <summary>The other policy a what-if replays under: zones, the matrix, the POP-before-SMTP window (docs/spec.md §8).</summary>
public sealed record WhatIfPolicy(ZoneClassifier Zones, PolicyTable Table, TimeSpan Window, int Ipv6Prefix, DateTime? Since = null, DateTime? Until = null);

/// <summary>Per account and client address: recorded relays that would have been refused, and refusals that would have passed.</summary>
public sealed record WhatIfChange(string Account, string Address, int WouldBeRefused, int WouldPass);

public sealed record WhatIfReport(
    int Relayed, int WouldBeRefused, int Refused, int WouldPass, int Logins, int LoginsWouldBeRefused, IReadOnlyList<WhatIfChange> Changes)
{
    public int AccountsRefused => Changes.Where(c => c.WouldBeRefused > 0).Select(c => c.Account).Distinct().Count();
}

/// <summary>
/// <c>mailactors audit what-if</c> (docs/spec.md §8) as a pure function over the recorded facts, in two passes over the
/// journal (any stream order): first the POP3 logins, which are what earn grants, and the revocations; then every relay
/// decision, decided again: by the client's zone (network rules), by the AUTH that allowed it, or by a grant that the
/// recorded logins would have earned under the other zones and window. Memory holds one time per login, not the journal.
/// A refusal for another reason than a missing permit (bind-sender) stays a refusal.
/// </summary>
public sealed class WhatIf(WhatIfPolicy policy)
{
    private readonly Dictionary<string, List<(DateTime At, string Account)>> _grants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<DateTime>> _revocations = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Account, string Address), (int Refused, int Passed)> _changes = [];
    private int _logins, _loginsRefused, _relayed, _wouldBeRefused, _refused, _wouldPass;
    private bool _sorted;

    /// <summary>The facts <see cref="Logins"/> looks at: the journal need hand it no others.</summary>
    public static readonly Type[] LoginFacts = [typeof(AuthSucceeded), typeof(GrantRevoked)];

    /// <summary>The facts <see cref="Relays"/> looks at.</summary>
    public static readonly Type[] RelayFacts = [typeof(RelayAccepted), typeof(RelayRefused)];

    /// <summary>First pass: POP3 logins (and whether the other policy would have let them in and given them a grant), revocations.</summary>
    public void Logins(AuditEntry entry)
    {
        switch (entry.Link?.Fact)
        {
            case AuthSucceeded a when Pop3Listener(a.Listener) is { } listener && IPAddress.TryParse(a.Address, out var address):
                _logins++;
                var zone = policy.Zones.Classify(address);
                var mechanism = a.Mechanism == "apop" ? Mechanism.Apop : Mechanism.UserPass;
                // a campus login on port 110 does not say whether it used STLS: it is taken as clear text
                var tls = listener == ListenerKind.Pop3s || a.Rule.Contains("stls", StringComparison.Ordinal);
                if (!policy.Table.Decide(zone, listener, mechanism, tls).Allowed)
                {
                    _loginsRefused++;
                    break;
                }
                if (zone.IsInside()) break;
                var key = GrantKey.Of(address, policy.Ipv6Prefix);
                if (!_grants.TryGetValue(key, out var logins)) _grants[key] = logins = [];
                logins.Add((a.At, a.Account));
                break;
            case GrantRevoked r when entry.Stream == GrantLedgerActor.Id:
                if (!_revocations.TryGetValue(r.Key, out var revoked)) _revocations[r.Key] = revoked = [];
                revoked.Add(r.At);
                break;
        }
    }

    /// <summary>Second pass: each relay decision in the time range, decided again.</summary>
    public void Relays(AuditEntry entry)
    {
        if (!_sorted) Sort();
        switch (entry.Link?.Fact)
        {
            case RelayAccepted r when InRange(r.At):
                _relayed++;
                if (r.Mechanism == "smtpauth" || Allowed(r.Address, r.Listener, r.At) is not null) break;
                _wouldBeRefused++;
                Count(r.Account ?? "-", r.Address, refused: true);
                break;
            case RelayRefused r when InRange(r.At):
                _refused++;
                if (r.Reason != Smtp.SmtpMachine.NoPermit || Allowed(r.Address, r.Listener, r.At) is not { } account) break;
                _wouldPass++;
                Count(account, r.Address, refused: false);
                break;
        }
    }

    public WhatIfReport Report() => new(_relayed, _wouldBeRefused, _refused, _wouldPass, _logins, _loginsRefused,
        _changes.Select(c => new WhatIfChange(c.Key.Account, c.Key.Address, c.Value.Refused, c.Value.Passed))
            .OrderByDescending(c => c.WouldBeRefused + c.WouldPass).ThenBy(c => c.Account, StringComparer.Ordinal).ThenBy(c => c.Address, StringComparer.Ordinal)
            .ToList());

    /// <returns>who would have let the relay out ("network" for a network rule), or null when nothing would have.</returns>
    private string? Allowed(string addressText, string listenerName, DateTime at)
    {
        if (!IPAddress.TryParse(addressText, out var address) || !Enum.TryParse<ListenerKind>(listenerName, true, out var listener)) return null;
        var zone = policy.Zones.Classify(address);
        if (policy.Table.Decide(zone, listener, Mechanism.Network, false).Allowed) return "network";
        if (!policy.Table.Decide(zone, listener, Mechanism.Grant, false).Allowed) return null;
        var key = GrantKey.Of(address, policy.Ipv6Prefix);
        if (!_grants.TryGetValue(key, out var logins)) return null;
        // the latest login at or before the relay: a grant is in force on [login, login + window), unless revoked since
        var index = LastAtOrBefore(logins, at);
        if (index < 0) return null;
        var (from, account) = logins[index];
        if (at >= from + policy.Window) return null;
        return _revocations.TryGetValue(key, out var revoked) && revoked.Any(r => r > from && r <= at) ? null : account;
    }

    private static int LastAtOrBefore(List<(DateTime At, string Account)> sorted, DateTime at)
    {
        int lo = 0, hi = sorted.Count - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) / 2;
            if (sorted[mid].At <= at) (found, lo) = (mid, mid + 1);
            else hi = mid - 1;
        }
        return found;
    }

    private void Count(string account, string address, bool refused)
    {
        var (r, p) = _changes.GetValueOrDefault((account, address));
        _changes[(account, address)] = refused ? (r + 1, p) : (r, p + 1);
    }

    private void Sort()
    {
        foreach (var logins in _grants.Values) logins.Sort((a, b) => a.At.CompareTo(b.At));
        _sorted = true;
    }

    private bool InRange(DateTime at) => (policy.Since is not { } s || at >= s) && (policy.Until is not { } u || at < u);

    private static ListenerKind? Pop3Listener(string listener) => listener switch
    {
        "pop3" => ListenerKind.Pop3,
        "pop3s" => ListenerKind.Pop3s,
        "apop" => ListenerKind.Apop,
        _ => null,
    };
}
