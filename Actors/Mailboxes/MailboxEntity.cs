using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using MailActors.Storage;
using static MailActors.Mailboxes.MailboxProtocol;

namespace MailActors.Mailboxes;

/// <summary>
/// One per account, at most one live in the cluster (Cluster Sharding). Holds the maildrop lock for one
/// session at a time, and releases it when that session quits, releases or dies. It keeps the last listing
/// and, at the next login, lists again only when the store's <see cref="MaildropVersion"/> has changed: reading
/// a thousand rows was most of a login's CPU (issue 16).
/// </summary>
public sealed class MailboxEntity : ReceiveActor, IWithStash
{
    private static readonly TimeSpan PassivateAfter = TimeSpan.FromMinutes(2);
    private readonly string _account;
    private readonly IMessageStore _store;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IReadOnlyList<StoredMessageInfo>? _listing;

    public IStash Stash { get; set; } = null!;

    public MailboxEntity(string account, IMessageStore store)
    {
        _account = account;
        _store = store;
        Become(Unlocked);
    }

    public static Props Props(string account, IMessageStore store) =>
        Akka.Actor.Props.Create(() => new MailboxEntity(account, store));

    private sealed record Listed(IActorRef Session, IActorRef ReplyTo, IReadOnlyList<StoredMessageInfo>? Messages, string? Error);

    private sealed record Deleted(IActorRef ReplyTo, bool Ok);

    private void Unlocked()
    {
        Context.SetReceiveTimeout(PassivateAfter);
        Receive<Acquire>(acquire =>
        {
            Context.SetReceiveTimeout(null);
            Context.Watch(acquire.Session);
            var replyTo = Sender;
            ListAsync(_listing).ContinueWith(t => t.IsCompletedSuccessfully
                    ? new Listed(acquire.Session, replyTo, t.Result, null)
                    : new Listed(acquire.Session, replyTo, null, t.Exception?.GetBaseException().Message ?? "cancelled"))
                .PipeTo(Self);
            Become(() => Locking(acquire.Session));
        });
        Receive<Release>(_ => { });
        Receive<Commit>(commit => Sender.Tell(new Committed(_account, false)));
        Receive<ReceiveTimeout>(_ => Context.Parent.Tell(new Passivate(PoisonPill.Instance)));
        Receive<Terminated>(_ => { });
        Receive<Listed>(_ => { }); // for a session that died while its listing was read
    }

    /// <returns>the cached listing when the store still has exactly those messages, else a fresh one.</returns>
    private async Task<IReadOnlyList<StoredMessageInfo>> ListAsync(IReadOnlyList<StoredMessageInfo>? cached)
    {
        if (cached is not null && await _store.VersionAsync(_account) == MaildropVersion.Of(cached)) return cached;
        return await _store.ListMessagesAsync(_account);
    }

    private void Locking(IActorRef session)
    {
        // A listing for an earlier session that died while it was being read is stale: drop it.
        Receive<Listed>(listed => listed.Session.Equals(session), listed =>
        {
            if (listed.Messages is null)
            {
                _log.Warning("mailbox {0}: listing failed: {1}", _account, listed.Error);
                listed.ReplyTo.Tell(new Unavailable(_account, listed.Error ?? "storage error"));
                Unlock(session);
                return;
            }
            _listing = listed.Messages;
            listed.ReplyTo.Tell(new Acquired(_account, listed.Messages));
            Stash.UnstashAll();
            Become(() => Locked(session));
        });
        Receive<Listed>(_ => { });
        Receive<Terminated>(t => t.ActorRef.Equals(session), _ => Unlock(session));
        ReceiveAny(_ => Stash.Stash());
    }

    private void Locked(IActorRef holder)
    {
        Receive<Acquire>(acquire => Sender.Tell(new InUse(_account)));
        Receive<Release>(release => release.Session.Equals(holder), _ => Unlock(holder));
        Receive<Release>(_ => { });
        Receive<Commit>(commit => commit.Session.Equals(holder), commit =>
        {
            var replyTo = Sender;
            if (commit.DeletedIds.Count > 0) _listing = null;
            _store.DeleteMessagesAsync(_account, commit.DeletedIds)
                .ContinueWith(t => new Deleted(replyTo, t.IsCompletedSuccessfully))
                .PipeTo(Self);
            Become(() => Committing(holder));
        });
        Receive<Commit>(_ => Sender.Tell(new Committed(_account, false)));
        Receive<Terminated>(t => t.ActorRef.Equals(holder), _ => Unlock(holder));
    }

    private void Committing(IActorRef holder)
    {
        Receive<Deleted>(deleted =>
        {
            if (!deleted.Ok) _log.Warning("mailbox {0}: deleting messages failed; they stay", _account);
            deleted.ReplyTo.Tell(new Committed(_account, deleted.Ok));
            Unlock(holder);
        });
        ReceiveAny(_ => Stash.Stash());
    }

    private void Unlock(IActorRef holder)
    {
        Context.Unwatch(holder);
        Stash.UnstashAll();
        Become(Unlocked);
    }
}
