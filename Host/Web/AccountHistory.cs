using Akka.Actor;
using MailActors.Audit;
using MailActors.Configuration;
using MailActors.Grants;
using MailActors.Host.Audit;

namespace MailActors.Host.Web;

/// <summary>
/// What <c>/account</c> shows a user about themselves (docs/spec.md §16), from the audit journal and the grant ledger:
/// their logins (succeeded and failed), their live grants, and the relayed messages their grants and logins let out,
/// newest first, a page at a time.
/// </summary>
public sealed class AccountHistory(MailActorsSettings settings, IActorRef grants)
{
    public const int PageSize = 20;

    public sealed record Login(DateTime At, string Address, string Listener, string Mechanism, bool Succeeded, string? Reason);

    public sealed record Page(IReadOnlyList<Login> Logins, IReadOnlyList<RelayAccepted> Messages, IReadOnlyList<Grant> Grants, bool HasOlder);

    public async Task<Page> ReadAsync(string account, int page)
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
                        break;
                    case AuthFailed f when Same(f.Account, account):
                        logins.Add(new Login(f.At, f.Address, f.Listener, f.Mechanism, false, f.Reason));
                        break;
                    case RelayAccepted r when r.Account is { } who && Same(who, account):
                        messages.Add(r);
                        break;
                }
        }
        var live = (await grants.Ask<GrantLedgerProtocol.Live>(GrantLedgerProtocol.List.Instance, TimeSpan.FromSeconds(5))).Grants
            .Where(g => Same(g.Account, account)).OrderByDescending(g => g.IssuedAt).ToList();
        var skip = page * PageSize;
        return new Page(
            logins.OrderByDescending(l => l.At).Skip(skip).Take(PageSize).ToList(),
            messages.OrderByDescending(m => m.At).Skip(skip).Take(PageSize).ToList(),
            live,
            logins.Count > skip + PageSize || messages.Count > skip + PageSize);
    }

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
}
