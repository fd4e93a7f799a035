using Akka.Actor;
using MailActors.Grants;
using MailActors.Storage;

namespace MailActors.Host.Admin;

/// <summary>
/// The figures a scrape reads that live elsewhere (live grants in the ledger singleton, the queue in the database),
/// as this node last learned them. Reading never waits: a read finding them older than <see cref="MaxAge"/> starts
/// one refresh in the background (never two at once) and answers with what it has. So a slow ledger or database
/// cannot hang a scrape, a figure is at most one scrape interval plus <see cref="MaxAge"/> old, and an idle node
/// asks nothing. A figure that could not be refreshed keeps its last known value.
/// </summary>
public sealed class NodeFigures(IActorRef ledger, IMailIntake intake)
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

    private async Task RefreshAsync()
    {
        var last = Volatile.Read(ref _known);
        long? grants = last.Grants;
        var queue = last.Queue;
        try
        {
            var asked = ledger.Ask<GrantLedgerProtocol.Live>(GrantLedgerProtocol.List.Instance, AskTimeout);
            using var timeout = new CancellationTokenSource(AskTimeout);
            var counted = intake.CountQueueAsync(timeout.Token);
            try { grants = (await asked).Grants.Count; } catch (Exception) { /* the last known stays */ }
            try { queue = await counted; } catch (Exception) { /* the last known stays */ }
        }
        finally
        {
            Volatile.Write(ref _known, new Known(grants, queue, DateTime.UtcNow));
            Volatile.Write(ref _refreshing, 0);
        }
    }
}
