using System.Net;
using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;

namespace MailActors.Grants;

/// <summary>Where a session looks up the grant for a client address: on its own node, never across the network.</summary>
public interface IGrantLookup
{
    /// <returns>the grant that covers <paramref name="address"/> now, or null.</returns>
    Task<Grant?> FindAsync(IPAddress address);
}

/// <summary>
/// The live grants replicated to every node (docs/spec.md §7, Akka.DistributedData): the ledger, the only writer, puts a
/// grant in when it is issued or renewed and takes it out when it is revoked or expires, each after the event is
/// persisted. Sessions read their own node's replica, so a check costs no network hop and keeps working while the
/// ledger singleton moves; the expiry is checked at lookup, so a late removal never extends a grant.
/// </summary>
public static class GrantReplication
{
    public static readonly LWWDictionaryKey<string, Grant> Key = new("grants");

    /// <summary>Issue and revocation reach every node before the ledger answers (a client may send the moment it reads +OK, on any node).</summary>
    public static readonly IWriteConsistency ToEveryNode = new WriteAll(TimeSpan.FromSeconds(1));

    public static Update Put(Cluster cluster, Grant grant) =>
        Dsl.Update(Key, LWWDictionary<string, Grant>.Empty, ToEveryNode, d => d.SetItem(cluster, grant.Key, grant));

    public static Update Remove(Cluster cluster, string key, IWriteConsistency consistency) =>
        Dsl.Update(Key, LWWDictionary<string, Grant>.Empty, consistency, d => d.Remove(cluster, key));

    /// <summary>After the ledger recovered: the replica holds exactly the live grants of the journal.</summary>
    public static Update Reconcile(Cluster cluster, IReadOnlyCollection<Grant> live) =>
        Dsl.Update(Key, LWWDictionary<string, Grant>.Empty, ToEveryNode, d =>
        {
            var keys = live.Select(g => g.Key).ToHashSet();
            foreach (var stale in d.Keys.Where(k => !keys.Contains(k)).ToList()) d = d.Remove(cluster, stale);
            foreach (var grant in live) d = d.SetItem(cluster, grant.Key, grant);
            return d;
        });
}

/// <summary>
/// Reads this node's replica of the live grants. Until the replica has heard from the ledger (a node that just
/// started, a cluster restarting), it does not know, so it asks the ledger itself rather than refuse a granted client.
/// <paramref name="ipv6Prefix"/> is read at each lookup: the live policy's (docs/spec.md §2).
/// </summary>
public sealed class ReplicatedGrants(IActorRef replicator, IActorRef ledger, Func<int> ipv6Prefix) : IGrantLookup
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public async Task<Grant?> FindAsync(IPAddress address)
    {
        var response = await replicator.Ask<IGetResponse>(Dsl.Get(GrantReplication.Key, ReadLocal.Instance), Timeout);
        switch (response)
        {
            case GetSuccess found:
                return found.Get(GrantReplication.Key).TryGetValue(GrantKey.Of(address, ipv6Prefix()), out var grant) && grant.IsValidAt(DateTime.UtcNow)
                    ? grant
                    : null;
            case NotFound:
                return (await ledger.Ask<GrantLedgerProtocol.CheckResult>(new GrantLedgerProtocol.Check(address.ToString()), Timeout)).Grant;
            default:
                throw new InvalidOperationException($"grant replica unavailable: {response}");
        }
    }
}
