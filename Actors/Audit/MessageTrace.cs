using MailActors.Grants;

namespace MailActors.Audit;

/// <summary>
/// One message's life from the journal (docs/spec.md §8, <c>mailactors audit trace MESSAGE-ID</c>): accepted for
/// relay (with the grant's login or the AUTH account), stored in local mailboxes, relayed or bounced per recipient,
/// retrieved and deleted by POP3 sessions. Fed the journal twice, in any stream order: the first pass finds the
/// message's own facts (which name its queue ids, unique-ids and grant), the second what refers to those.
/// Only the message's facts are kept, so memory does not grow with the journal.
/// </summary>
public sealed class MessageTrace(string messageId)
{
    public string MessageId { get; } = Normal(messageId);

    /// <summary>A step of the life: what happened, when, where, and its facts.</summary>
    public sealed record Step(DateTime At, string What, string Node, IAuditFact? Fact, IGrantEvent? Login = null, MailboxMessage? Message = null);

    private readonly List<Step> _steps = [];
    private readonly HashSet<string> _queueIds = [];
    private readonly HashSet<string> _uidls = [];
    private readonly HashSet<(string Key, DateTime At)> _grants = [];

    /// <summary>Message-IDs compare with their angle brackets, as stored: <c>id@host</c> and <c>&lt;id@host&gt;</c> are the same.</summary>
    public static string Normal(string id) => id.Trim() is var t && t.StartsWith('<') ? t : $"<{t}>";

    /// <summary>The facts <see cref="First"/> looks at: the journal need hand it no others.</summary>
    public static readonly Type[] FirstFacts = [typeof(RelayAccepted), typeof(LocalDelivered)];

    /// <summary>The facts <see cref="Second"/> looks at.</summary>
    public static readonly Type[] SecondFacts = [typeof(RelayDelivered), typeof(RelayBounced), typeof(Pop3Session), typeof(GrantIssued), typeof(GrantRenewed)];

    private bool Mine(string? id) => id is not null && Normal(id) == MessageId;

    public void First(AuditEntry entry)
    {
        switch (entry.Link?.Fact)
        {
            case RelayAccepted r when Mine(r.MessageId):
                _steps.Add(new Step(r.At, "accepted", r.Node, r));
                _queueIds.Add(r.QueueId);
                if (r.GrantKey is { } key && r.GrantAt is { } at) _grants.Add((key, at));
                break;
            case LocalDelivered d when Mine(d.MessageId):
                _steps.Add(new Step(d.At, "delivered", d.Node, d));
                _uidls.Add(d.Uidl);
                if (d.QueueId.Length > 0) _queueIds.Add(d.QueueId);
                break;
        }
    }

    public void Second(AuditEntry entry)
    {
        switch (entry.Link?.Fact)
        {
            case RelayDelivered d when _queueIds.Contains(d.QueueId) || Mine(d.MessageId):
                _steps.Add(new Step(d.At, "relayed", d.Node, d));
                break;
            case RelayBounced b when _queueIds.Contains(b.QueueId) || Mine(b.MessageId):
                _steps.Add(new Step(b.At, "bounced", b.Node, b));
                break;
            case Pop3Session s:
                foreach (var m in s.Retrieved.Where(m => _uidls.Contains(m.Uidl) || Mine(m.MessageId)))
                    _steps.Add(new Step(s.At, "retrieved", s.Node, s, Message: m));
                foreach (var m in s.Deleted.Where(m => _uidls.Contains(m.Uidl) || Mine(m.MessageId)))
                    _steps.Add(new Step(s.At, "deleted", s.Node, s, Message: m));
                break;
            case GrantIssued i when _grants.Contains((i.Key, i.At)):
                _steps.Add(new Step(i.At, "login", i.Node, null, i));
                break;
            case GrantRenewed r when _grants.Contains((r.Key, r.At)):
                _steps.Add(new Step(r.At, "login", r.Node, null, r));
                break;
        }
    }

    /// <summary>The life in time order (a retrieval before its deletion when a session did both).</summary>
    public IReadOnlyList<Step> Steps => _steps.OrderBy(s => s.At).ThenBy(s => Order(s.What)).ToList();

    private static int Order(string what) => what switch
    {
        "login" => 0,
        "accepted" => 1,
        "delivered" => 2,
        "relayed" => 3,
        "bounced" => 3,
        "retrieved" => 4,
        _ => 5,
    };
}
