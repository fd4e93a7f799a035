namespace MailActors.Policy;

/// <summary>
/// The policy singleton's state as a pure function of its events: what the actor keeps and rebuilds from its stream on recovery. <see cref="Live"/> is null until the first event.
/// </summary>
public sealed record PolicyState(LivePolicy? Live)
{
    public const string Adopted = "configuration";
    private const string Unset = "(none)";

    public static readonly PolicyState Empty = new((LivePolicy?)null);

    public PolicyState Apply(PolicyChanged e) => new(e.Policy);

    /// <summary>The first start: nothing is persisted yet, so the node's configuration becomes version 1. Null once there is a policy.</summary>
    public PolicyChanged? Adopt(LivePolicy configured, string node, DateTime at) =>
        Live is null ? Change(configured, Adopted, node, at) : null;

    /// <summary>The event that makes <paramref name="proposed"/> (its version ignored) the live policy; null when nothing would change.</summary>
    public PolicyChanged? Change(LivePolicy proposed, string by, string node, DateTime at)
    {
        var changes = Live is null
            ? proposed.Settings().Select(s => new PolicyChange(s.Key, Unset, s.Value)).ToList()
            : Live.ChangesTo(proposed);
        if (changes.Count == 0) return null;
        var version = (Live?.Version ?? 0) + 1;
        return new PolicyChanged(version, changes, by, node, at, proposed with { Version = version });
    }
}
