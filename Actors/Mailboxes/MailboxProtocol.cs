using Akka.Actor;
using Akka.Cluster.Sharding;
using MailActors.Storage;

namespace MailActors.Mailboxes;

/// <summary>Messages of the per-account mailbox entity, which owns the POP3 exclusive lock (RFC 1939 §8).</summary>
public static class MailboxProtocol
{
    public interface IMailboxMessage
    {
        string Account { get; }
    }

    /// <summary>Lock the maildrop for this session and list its messages.</summary>
    public sealed record Acquire(string Account, IActorRef Session) : IMailboxMessage;

    public sealed record Acquired(string Account, IReadOnlyList<StoredMessageInfo> Messages);

    public sealed record InUse(string Account);

    public sealed record Unavailable(string Account, string Reason);

    /// <summary>Give the lock back without deleting anything.</summary>
    public sealed record Release(string Account, IActorRef Session) : IMailboxMessage;

    /// <summary>RFC 1939 UPDATE: delete these messages and release the lock.</summary>
    public sealed record Commit(string Account, IActorRef Session, IReadOnlyList<long> DeletedIds) : IMailboxMessage;

    public sealed record Committed(string Account, bool AllRemoved);

    public sealed class MessageExtractor() : HashCodeMessageExtractor(maxNumberOfShards: 100)
    {
        public override string? EntityId(object message) => (message as IMailboxMessage)?.Account;
    }
}
