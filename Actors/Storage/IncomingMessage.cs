namespace MailActors.Storage;

/// <summary>
/// A message accepted by SMTP, ready to store: one copy per local account and one outbound queue entry per
/// relayed recipient, all committed together or not at all (SPEC 6).
/// </summary>
public sealed record IncomingMessage(
    string QueueId,
    string? MessageId,
    string EnvelopeFrom,
    IReadOnlyList<string> LocalAccounts,
    byte[] LocalCopy,
    IReadOnlyList<string> RelayRecipients,
    byte[] RelayCopy,
    string ClientAddress,
    string? RelayAccount);

/// <summary>One relayed recipient waiting in the outbound queue.</summary>
public sealed record QueueEntry(
    long Id, string QueueId, string? MessageId, string EnvelopeFrom, string Recipient, string? RelayAccount,
    DateTime CreatedUtc, int Attempts, DateTime NextAttemptUtc, string? LastError, long Size);

public interface IMailIntake
{
    /// <summary>Stores every local copy and queues every relayed recipient in one transaction; returns once committed.</summary>
    Task AcceptAsync(IncomingMessage message, CancellationToken ct = default);

    Task<IReadOnlyList<QueueEntry>> ListQueueAsync(CancellationToken ct = default);
}
