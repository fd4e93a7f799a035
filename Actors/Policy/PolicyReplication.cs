using Akka.Cluster;
using Akka.DistributedData;

namespace MailActors.Policy;

/// <summary>
/// The live policy replicated to every node (docs/spec.md §2, Akka.DistributedData): the policy singleton, the only writer,
/// puts each version in after persisting it; every node's <see cref="PolicyActor"/> enforces what its own replica holds.
/// Each node also writes which version it enforces, for <c>mailactors status</c>.
/// </summary>
public static class PolicyReplication
{
    public static readonly LWWRegisterKey<LivePolicy> Key = new("policy");

    public static readonly LWWDictionaryKey<string, PolicyEnforced> EnforcedKey = new("policy-enforced");

    /// <summary>A change reaches every node before the singleton answers (docs/spec.md §2: every node within a second).</summary>
    public static readonly IWriteConsistency ToEveryNode = new WriteAll(TimeSpan.FromSeconds(1));

    /// <summary>The higher version wins whatever the nodes' clocks say; a new singleton after a failover rewrites the same version.</summary>
    private static readonly Clock<LivePolicy> ByVersion = (_, policy) => policy.Version;

    public static Update Put(Cluster cluster, LivePolicy policy) =>
        Dsl.Update(Key, new LWWRegister<LivePolicy>(cluster.SelfUniqueAddress, policy, ByVersion), ToEveryNode,
            register => register.WithValue(cluster.SelfUniqueAddress, policy, ByVersion));

    /// <summary>This node enforces <paramref name="enforced"/> now (local write; gossip spreads it).</summary>
    public static Update Enforcing(Cluster cluster, PolicyEnforced enforced) =>
        Dsl.Update(EnforcedKey, LWWDictionary<string, PolicyEnforced>.Empty, WriteLocal.Instance,
            d => d.SetItem(cluster, cluster.SelfAddress.ToString(), enforced));
}

/// <summary>A node enforces this version of the live policy since then (0: its own configuration, not yet the live policy).</summary>
public sealed record PolicyEnforced(long Version, DateTime Since);
