namespace MailActors.Storage;

/// <summary>What POP3 needs to know of a stored message without reading it.</summary>
public sealed record StoredMessageInfo(long Id, string Uidl, long Size);

/// <summary>
/// What identifies an account's maildrop without listing it: its message count and highest id. Ids are never
/// reused (SQLite AUTOINCREMENT, PostgreSQL identity) and a stored message never changes, only appears or goes,
/// so an added message raises the highest id and a deleted one lowers the count: an equal pair is the same set.
/// </summary>
public readonly record struct MaildropVersion(long Count, long MaxId)
{
    public static MaildropVersion Of(IReadOnlyList<StoredMessageInfo> messages)
    {
        long max = 0;
        for (var i = 0; i < messages.Count; i++) max = Math.Max(max, messages[i].Id);
        return new MaildropVersion(messages.Count, max);
    }
}

/// <summary>Mail at rest. Bodies are stored with CRLF line endings; Size is their octet count.</summary>
public interface IMessageStore
{
    /// <summary>Stores one message durably (committed before it returns).</summary>
    Task<StoredMessageInfo> DeliverAsync(string account, ReadOnlyMemory<byte> message, string? envelopeFrom, CancellationToken ct = default);
    Task<IReadOnlyList<StoredMessageInfo>> ListMessagesAsync(string account, CancellationToken ct = default);
    /// <summary>A cheap check whether a listing is still current (one index count, no rows read).</summary>
    Task<MaildropVersion> VersionAsync(string account, CancellationToken ct = default);
    /// <returns>null when the message is gone.</returns>
    Task<byte[]?> ReadMessageAsync(string account, long id, CancellationToken ct = default);
    /// <summary>Deletes the given messages in one transaction.</summary>
    Task DeleteMessagesAsync(string account, IReadOnlyCollection<long> ids, CancellationToken ct = default);
}
