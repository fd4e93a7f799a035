using MailActors.Audit;

namespace MailActors.Pop3;

/// <summary>
/// What a POP3 session has done to its mailbox so far, noted as it goes (RETR), and turned into the session's one
/// audit fact at its end (docs/spec.md §8): the deletions count only when QUIT committed them. Kept by the session
/// actor and changed on its thread only; a note costs the same for the thousandth message as for the first (a RETR
/// is the hot path: issue 16).
/// </summary>
public sealed class MailboxActivity
{
    private readonly OrderedDictionary<string, string?> _retrieved = new(StringComparer.Ordinal); // UIDL → Message-ID, in order

    /// <summary>A message sent in full; a second RETR of it adds nothing.</summary>
    public void Retrieve(string uidl, string? messageId) => _retrieved.TryAdd(uidl, messageId);

    /// <returns>null when the session neither retrieved nor deleted anything (no fact).</returns>
    public Pop3Session? Fact(string account, IReadOnlyList<string> deletedUidls, string ended, string address, string listener, string node, DateTime at)
    {
        if (_retrieved.Count == 0 && deletedUidls.Count == 0) return null;
        var retrieved = _retrieved.Select(r => new MailboxMessage(r.Key, r.Value)).ToList();
        var deleted = deletedUidls.Select(u => new MailboxMessage(u, _retrieved.GetValueOrDefault(u))).ToList();
        return new Pop3Session(account, address, listener, retrieved, deleted, ended, node, at);
    }
}
