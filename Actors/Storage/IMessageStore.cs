namespace MailActors.Storage;

/// <summary>What POP3 needs to know of a stored message without reading it.</summary>
public sealed record StoredMessageInfo(long Id, string Uidl, long Size);

/// <summary>Mail at rest. Bodies are stored with CRLF line endings; Size is their octet count.</summary>
public interface IMessageStore
{
    /// <summary>Stores one message durably (committed before it returns).</summary>
    Task<StoredMessageInfo> DeliverAsync(string account, ReadOnlyMemory<byte> message, string? envelopeFrom, CancellationToken ct = default);
    Task<IReadOnlyList<StoredMessageInfo>> ListMessagesAsync(string account, CancellationToken ct = default);
    /// <returns>null when the message is gone.</returns>
    Task<byte[]?> ReadMessageAsync(string account, long id, CancellationToken ct = default);
    /// <summary>Deletes the given messages in one transaction.</summary>
    Task DeleteMessagesAsync(string account, IReadOnlyCollection<long> ids, CancellationToken ct = default);
}
