using System.Collections.Immutable;
using MailActors.Audit;

namespace MailActors.Pop3;

/// <summary>
/// What a POP3 session has done to its mailbox so far, folded in as it goes (RETR), and turned into the session's one
/// audit fact at its end (docs/spec.md §8): the deletions count only when QUIT committed them.
/// </summary>
public sealed record MailboxActivity(ImmutableList<MailboxMessage> Retrieved)
{
    public static readonly MailboxActivity None = new(ImmutableList<MailboxMessage>.Empty);

    /// <summary>A message sent in full; a second RETR of it adds nothing.</summary>
    public MailboxActivity Retrieve(string uidl, string? messageId) =>
        Retrieved.Any(m => m.Uidl == uidl) ? this : this with { Retrieved = Retrieved.Add(new MailboxMessage(uidl, messageId)) };

    /// <returns>null when the session neither retrieved nor deleted anything (no fact).</returns>
    public Pop3Session? Fact(string account, IReadOnlyList<string> deletedUidls, string ended, string address, string listener, string node, DateTime at)
    {
        if (Retrieved.IsEmpty && deletedUidls.Count == 0) return null;
        var deleted = deletedUidls.Select(u => new MailboxMessage(u, Retrieved.FirstOrDefault(r => r.Uidl == u)?.MessageId)).ToList();
        return new Pop3Session(account, address, listener, Retrieved, deleted, ended, node, at);
    }
}
