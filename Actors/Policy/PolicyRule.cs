namespace MailActors.Policy;

/// <summary>
/// One row of the policy matrix: zone × listener × mechanism (× clear/TLS) → allow or refuse.
/// <paramref name="Advice"/> is the one line a refused client reads: what to do instead.
/// </summary>
public sealed record PolicyRule(
    string Name,
    ZoneMatch Zones,
    ListenerKind Listener,
    Mechanism Mechanism,
    Channel Channel,
    bool Allow,
    string Advice = "")
{
    public bool Matches(Zone zone, ListenerKind listener, Mechanism mechanism, bool tls) =>
        Zones.Matches(zone) && Listener == listener && Mechanism == mechanism &&
        (Channel == Channel.Any || (Channel == Channel.Tls) == tls);
}

/// <summary>What the matrix decided, and which rule said so (for logs and the audit journal).</summary>
public sealed record PolicyDecision(bool Allowed, string Rule, string Advice)
{
    public static readonly PolicyDecision NoRule =
        new(false, "no-rule", "this login method is not offered here");
}
