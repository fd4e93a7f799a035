using Akka.Actor;
using MailActors.Audit;
using MailActors.Configuration;
using MailActors.Grants;
using MailActors.Host.Audit;

namespace MailActors.Host.Web;

/// <summary>
/// What <c>/account</c> shows a user about themselves (docs/spec.md §16), from the audit journal and the grant ledger:
/// their logins (succeeded and failed), their live grants, and the relayed messages their grants and logins let out,
/// newest first, a page at a time. Reading them means reading the whole journal (it is kept by stream, not by
/// account), so a node does one such read at a time: users reloading the page wait their turn rather than making
/// the node read the journal many times over at once. (Not cached: a user who just sent mail expects to see it.)
/// </summary>
public sealed class AccountHistory(MailActorsSettings settings, IActorRef grants)
{
    public const int PageSize = 20;

    public sealed record Login(DateTime At, string Address, string Listener, string Mechanism, bool Succeeded, string? Reason);

    public sealed record Page(IReadOnlyList<Login> Logins, IReadOnlyList<RelayAccepted> Messages, IReadOnlyList<Grant> Grants, bool HasOlder);

    /// <summary>The newest logins and messages kept per account: the pages a user can turn to.</summary>
    public const int MaxPages = 50;

    private sealed record History(IReadOnlyList<Login> Logins, IReadOnlyList<RelayAccepted> Messages);

    /// <summary>The journal is read once at a time on a node, so signed-in users reloading <c>/account</c> cannot make
    /// it read the whole journal many times over.</summary>
    private readonly SemaphoreSlim _oneRead = new(1, 1);

    public async Task<Page> ReadAsync(string account, int page)
    {
        var history = await HistoryOfAsync(account);
        var live = (await grants.Ask<GrantLedgerProtocol.Live>(GrantLedgerProtocol.List.Instance, TimeSpan.FromSeconds(5))).Grants
            .Where(g => Same(g.Account, account)).OrderByDescending(g => g.IssuedAt).ToList();
        var skip = Math.Min(page, MaxPages) * PageSize;
        return new Page(
            history.Logins.Skip(skip).Take(PageSize).ToList(),
            history.Messages.Skip(skip).Take(PageSize).ToList(),
            live,
            history.Logins.Count > skip + PageSize || history.Messages.Count > skip + PageSize);
    }

    private async Task<History> HistoryOfAsync(string account)
    {
        await _oneRead.WaitAsync();
        try
        {
            return await ReadJournalAsync(account);
        }
        finally
        {
            _oneRead.Release();
        }
    }

    private async Task<History> ReadJournalAsync(string account)
    {
        var logins = new List<Login>();
        var messages = new List<RelayAccepted>();
        await using (var journal = AuditJournal.OnNode(settings))
        {
            await foreach (var entry in journal.ReadAllAsync([typeof(AuthSucceeded), typeof(AuthFailed), typeof(RelayAccepted)]))
                switch (entry.Link?.Fact)
                {
                    case AuthSucceeded s when Same(s.Account, account):
                        logins.Add(new Login(s.At, s.Address, s.Listener, s.Mechanism, true, null));
                        KeepNewest(logins, l => l.At);
                        break;
                    case AuthFailed f when Same(f.Account, account):
                        logins.Add(new Login(f.At, f.Address, f.Listener, f.Mechanism, false, f.Reason));
                        KeepNewest(logins, l => l.At);
                        break;
                    case RelayAccepted r when r.Account is { } who && Same(who, account):
                        messages.Add(r);
                        KeepNewest(messages, m => m.At);
                        break;
                }
        }
        return new History(Newest(logins, l => l.At), Newest(messages, m => m.At));
    }

    /// <summary>The pages a user can turn to; an account with years of logins does not fill memory with all of them.</summary>
    private const int Kept = (MaxPages + 1) * PageSize;

    private static List<T> Newest<T>(List<T> items, Func<T, DateTime> at) => items.OrderByDescending(at).Take(Kept).ToList();

    private static void KeepNewest<T>(List<T> items, Func<T, DateTime> at)
    {
        if (items.Count < 2 * Kept) return;
        var newest = Newest(items, at);
        items.Clear();
        items.AddRange(newest);
    }

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
