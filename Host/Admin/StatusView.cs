using MailActors.Observability;
using MailActors.Storage;

namespace MailActors.Host.Admin;

/// <summary>
/// A running node's answer to <c>GET /status</c> and what <c>mailactors status</c> prints of it: the node, every member
/// as it sees them, where each cluster singleton runs, its listeners, the live grants (null: the ledger did not
/// answer), the outbound queue, and the version of the live policy each member enforces (as gossip last told this node;
/// null from a node that does not report it).
/// </summary>
public sealed record StatusView(
    string Node,
    IReadOnlyList<MemberView> Members,
    IReadOnlyDictionary<string, string?> Singletons,
    IReadOnlyList<ListenerView> Listeners,
    int? Grants,
    QueueView Queue,
    IReadOnlyList<EnforcedView>? Policy = null)
{
    public IEnumerable<string> Lines(DateTime now)
    {
        yield return $"node: {Node}";
        foreach (var m in Members)
            yield return $"member: {m.Address} {m.Status} roles={(m.Roles.Count == 0 ? "-" : string.Join(",", m.Roles))} " +
                         (m.Reachable ? "reachable" : "UNREACHABLE") + (m.Address == Node ? " (this node)" : "");
        foreach (var (name, where) in Singletons)
            yield return $"singleton: {name} on {where ?? "(none: no Up member with role mail)"}";
        if (Policy is { } enforced)
            foreach (var m in Members)
                yield return enforced.FirstOrDefault(e => e.Node == m.Address) is { } e
                    ? $"policy: version {e.Version} enforced by {m.Address}" + (e.Version == 0 ? " (its own configuration: it has not heard the live policy yet)" : "")
                    : $"policy: {m.Address} has not said which version it enforces";
        foreach (var l in Listeners)
            yield return $"listener: {l.Name} {l.Endpoint}";
        yield return Grants is { } live ? $"grants: {live} live" : "grants: unknown (the grant ledger did not answer)";
        yield return Queue.Line(now);
    }
}

public sealed record ListenerView(string Name, string Endpoint);

/// <summary>A node enforces this version of the live policy since then.</summary>
public sealed record EnforcedView(string Node, long Version, DateTime Since);

/// <summary>The outbound queue in figures (see <see cref="QueueCounts"/>).</summary>
public sealed record QueueView(long Queued, long Deferred, long Delivering, long Total, DateTime? OldestUtc)
{
    /// <summary>The states from the delivery leases (<see cref="QueueDepth"/>), the age from the intake's count.</summary>
    public static QueueView Of(QueueCounts counts, QueueDepth depth) =>
        new(depth.Queued, depth.Deferred, depth.Delivering, depth.Total, counts.OldestUtc);

    public string Line(DateTime now) =>
        $"queue: {Total} recipient(s) waiting ({Queued} queued, {Deferred} deferred, {Delivering} delivering)" +
        (OldestUtc is { } oldest && Total > 0 ? $", oldest accepted {Age(now - oldest)} ago" : "");

    public static string Age(TimeSpan age) =>
        age < TimeSpan.Zero ? "0s"
        : age < TimeSpan.FromMinutes(1) ? $"{(int)age.TotalSeconds}s"
        : age < TimeSpan.FromHours(1) ? $"{(int)age.TotalMinutes}m"
        : age < TimeSpan.FromDays(1) ? $"{(int)age.TotalHours}h{age.Minutes:00}m"
        : $"{(int)age.TotalDays}d{age.Hours:00}h";
}
