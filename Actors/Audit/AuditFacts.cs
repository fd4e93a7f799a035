namespace MailActors.Audit;

/// <summary>
/// A fact the audit journal keeps (docs/spec.md §8), besides the grant ledger's own events. Every fact says which
/// node saw it and when (UTC). Persisted as JSON under a versioned manifest (see MailActorsSerializer).
/// </summary>
public interface IAuditFact
{
    string Node { get; }
    DateTime At { get; }
}

/// <summary>A login or SMTP AUTH succeeded. <paramref name="Rule"/> is the policy row that allowed the mechanism.</summary>
public sealed record AuthSucceeded(
    string Address, string Account, string Listener, string Mechanism, string Rule, string Zone, string Node, DateTime At) : IAuditFact;

/// <summary>
/// A login or SMTP AUTH was refused after the policy allowed the mechanism: wrong credentials, a brute-force
/// block, the mailbox in use, or storage trouble. <paramref name="Account"/> is the name as given when no such account exists.
/// </summary>
public sealed record AuthFailed(
    string Address, string Account, string Listener, string Mechanism, string Rule, string Zone, string Reason, string Node, DateTime At) : IAuditFact;

/// <summary>
/// The policy matrix refused a login mechanism before any password was checked (for example USER in clear from
/// outside). <paramref name="Account"/> is the name the client gave, if any.
/// </summary>
public sealed record PolicyRefused(
    string Address, string? Account, string Listener, string Mechanism, string Rule, string Zone, string Node, DateTime At) : IAuditFact;

/// <summary>
/// Relaying was refused: at RCPT on port 25 (<paramref name="Recipient"/> set) or at MAIL on submission,
/// because no network rule, grant or AUTH allowed it, or a grant's account may not use that sender.
/// </summary>
public sealed record RelayRefused(
    string Address, string Listener, string Sender, string? Recipient, string Rule, string Reason, string Node, DateTime At) : IAuditFact;

/// <summary>
/// A message with relayed recipients was accepted (its queue rows committed). <paramref name="Account"/> and
/// <paramref name="Mechanism"/> say what allowed it; a grant is named by its key and the time of the grant
/// event (<c>grant-issued</c> or <c>grant-renewed</c>) in force, which links the message to the login that earned it.
/// </summary>
public sealed record RelayAccepted(
    string QueueId, string? MessageId, string Sender, int Recipients, string Address, string Listener,
    string Mechanism, string Rule, string? Account, string? GrantKey, DateTime? GrantAt, string Node, DateTime At) : IAuditFact;

/// <summary>An administrator changed something: <c>user add|passwd|apop|del</c>, <c>grants revoke</c>.</summary>
public sealed record AdminChanged(string Action, string Target, string By, string Node, DateTime At) : IAuditFact;

/// <summary>The remote server accepted a relayed message for one recipient (docs/spec.md §10); it left the queue.</summary>
public sealed record RelayDelivered(
    string QueueId, string? MessageId, string Recipient, string Destination, string Reply, int Attempts, string Node, DateTime At) : IAuditFact;

/// <summary>
/// A relayed message failed for one recipient for good (a 5xx, or given up); <paramref name="Bounce"/> says where the
/// delivery status notification went (<c>local:ACCOUNT</c>, <c>queued:QUEUEID</c>, <c>none</c> for a null sender).
/// </summary>
public sealed record RelayBounced(
    string QueueId, string? MessageId, string Recipient, string Destination, string Reply, string Status, int Attempts, string Bounce,
    string Node, DateTime At) : IAuditFact;

/// <summary>
/// Relay refusals of one kind (<paramref name="Rule"/>, <paramref name="Reason"/>) repeated on one connection after the
/// first, which has its own <see cref="RelayRefused"/>: <paramref name="Count"/> of them from <paramref name="First"/>
/// to <paramref name="At"/>. Written when the connection ends or the count reaches a threshold, so a client cannot
/// grow the journal faster than its connections (docs/spec.md §14).
/// </summary>
public sealed record RelayRefusedRepeated(
    string Address, string Listener, string Rule, string Reason, int Count, DateTime First, string Node, DateTime At) : IAuditFact;

/// <summary>Policy refusals of one mechanism and rule repeated on one connection after the first, which has its own
/// <see cref="PolicyRefused"/>; as <see cref="RelayRefusedRepeated"/>.</summary>
public sealed record PolicyRefusedRepeated(
    string Address, string Listener, string Mechanism, string Rule, string Zone, int Count, DateTime First, string Node, DateTime At) : IAuditFact;

/// <summary>
/// A message was stored in a local account's mailbox (docs/spec.md §8): by SMTP (written once the copy is committed,
/// before the client reads 250) or by <c>mailactors deliver</c> (listener <c>deliver</c>). <paramref name="Uidl"/> is its
/// POP3 unique-id, by which a later <see cref="Pop3Session"/> names it.
/// </summary>
public sealed record LocalDelivered(
    string QueueId, string? MessageId, string Account, string Uidl, string Sender, string Address, string Listener,
    string Node, DateTime At) : IAuditFact;

/// <summary>A message a POP3 session retrieved or deleted: its unique-id, and its Message-ID when the session read it.</summary>
public sealed record MailboxMessage(string Uidl, string? MessageId);

/// <summary>
/// What one POP3 session did to a mailbox (docs/spec.md §8), one fact per session when it ends: the messages it
/// retrieved (RETR) and, when it ended with QUIT, those it deleted. A session that did neither records nothing.
/// <paramref name="Ended"/>: <c>quit</c>, <c>quit, deletions failed</c>, or how else it ended (nothing was deleted).
/// </summary>
public sealed record Pop3Session(
    string Account, string Address, string Listener, IReadOnlyList<MailboxMessage> Retrieved, IReadOnlyList<MailboxMessage> Deleted,
    string Ended, string Node, DateTime At) : IAuditFact;
