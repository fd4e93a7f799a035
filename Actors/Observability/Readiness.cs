namespace MailActors.Observability;

/// <summary>A cluster member as the node sees it, in plain values: status as Akka names it (<c>Up</c>, <c>Leaving</c>, ...).</summary>
public sealed record MemberView(string Address, string Status, IReadOnlyList<string> Roles, bool Reachable);

/// <summary>What readiness is decided from. <paramref name="StorageProblem"/> is null when the database answered.</summary>
public sealed record ReadinessFacts(bool ListenersBound, string SelfAddress, IReadOnlyList<MemberView> Members, string? StorageProblem);

/// <summary>
/// When a node should get traffic (<c>/readyz</c>, docs/spec.md §13): its listeners are bound, it is an <c>Up</c> member
/// that no member finds unreachable, its storage answers, and, in a cluster of more than one, it reaches a strict
/// majority of the Up members (itself included). A node cut off in a minority is exactly the one the split-brain
/// resolver (keep-majority) will down, so it should not take new sessions meanwhile; a node on the majority side
/// stays ready while the resolver removes the unreachable ones. Members joining, leaving or down are not counted.
/// </summary>
public static class Readiness
{
    /// <returns>Why the node is not ready; empty when it is.</returns>
    public static IReadOnlyList<string> Problems(ReadinessFacts facts)
    {
        var problems = new List<string>();
        if (!facts.ListenersBound) problems.Add("listeners not bound");

        var self = facts.Members.FirstOrDefault(m => m.Address == facts.SelfAddress);
        if (self is null) problems.Add("not a cluster member yet");
        else
        {
            if (self.Status != "Up") problems.Add($"cluster member is {self.Status}");
            if (!self.Reachable) problems.Add("other members find this node unreachable");
        }

        var up = facts.Members.Where(m => m.Status == "Up" || m.Address == facts.SelfAddress).ToList();
        var reachable = up.Count(m => m.Reachable || m.Address == facts.SelfAddress);
        if (up.Count > 1 && reachable * 2 <= up.Count)
            problems.Add($"reaches {reachable} of {up.Count} members, not a majority (unreachable: " +
                         string.Join(", ", up.Where(m => !m.Reachable && m.Address != facts.SelfAddress).Select(m => m.Address)) + ")");

        if (facts.StorageProblem is { } storage) problems.Add("storage: " + storage);
        return problems;
    }
}
