using Akka.Actor;
using Akka.DistributedData;
using MailActors.Grants;
using MailActors.Storage;

namespace MailActors.Host.Admin;

/// <summary>
/// The figures a scrape reads that live elsewhere (live grants in this node's replica of the ledger's grants, the
/// queue in the database), as this node last learned them. Reading never waits: a read finding them older than <see cref="MaxAge"/> starts
/// one refresh in the background (never two at once) and answers with what it has. So a slow ledger or database
/// cannot hang a scrape, a figure is at most one scrape interval plus <see cref="MaxAge"/> old, and an idle node
/// asks nothing. A figure that could not be refreshed keeps its last known value.
/// </summary>
public sealed class NodeFigures(IActorRef replicator, IActorRef ledger, IMailIntake intake)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(2);

    private sealed record Known(long? Grants, QueueCounts? Queue, DateTime At);

    private Known _known = new(null, null, DateTime.MinValue);
    private int _refreshing;

    public long? Grants()
    {
        RefreshIfStale();
        return Volatile.Read(ref _known).Grants;
    }

    public QueueCounts? Queue()
    {
        RefreshIfStale();
        return Volatile.Read(ref _known).Queue;
    }

    public void RefreshIfStale()
    {
        if (DateTime.UtcNow - Volatile.Read(ref _known).At < MaxAge) return;
        if (Interlocked.Exchange(ref _refreshing, 1) == 1) return;
        _ = RefreshAsync();
    }

    /// <summary>
    /// The grants in this node's replica that are still valid (a local read, no network); the ledger itself only while
    /// the replica has not heard from it yet.
    /// </summary>
    private async Task<long> LiveGrantsAsync()
    {
        var response = await replicator.Ask<IGetResponse>(Dsl.Get(GrantReplication.Key, ReadLocal.Instance), AskTimeout);
        if (response is GetSuccess found)
        {
            var now = DateTime.UtcNow;
            return found.Get(GrantReplication.Key).Values.Count(g => g.IsValidAt(now));
        }
        return (await ledger.Ask<GrantLedgerProtocol.Live>(GrantLedgerProtocol.List.Instance, AskTimeout)).Grants.Count;
    }

    private async Task RefreshAsync()
    {
        var last = Volatile.Read(ref _known);
        long? grants = last.Grants;
        var queue = last.Queue;
        try
        {
            var asked = LiveGrantsAsync();
            using var timeout = new CancellationTokenSource(AskTimeout);
            var counted = intake.CountQueueAsync(timeout.Token);
            try { grants = await asked; } catch (Exception) { /* the last known stays */ }
            try { queue = await counted; } catch (Exception) { /* the last known stays */ }
        }
        finally
        {
            Volatile.Write(ref _known, new Known(grants, queue, DateTime.UtcNow));
            Volatile.Write(ref _refreshing, 0);
        }
    }
}
