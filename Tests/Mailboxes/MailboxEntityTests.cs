using Akka.Actor;
using Akka.TestKit.Xunit2;
using MailActors.Mailboxes;
using MailActors.Storage;
using static MailActors.Mailboxes.MailboxProtocol;

namespace MailActors.Tests.Mailboxes;

/// <summary>The per-account lock, with probes standing in for sessions and a real SQLite file.</summary>
public sealed class MailboxEntityTests : TestKit, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mailactors-mbox-").FullName;
    private readonly SqliteStore _store;

    public MailboxEntityTests() => _store = SqliteStore.Open(Path.Combine(_dir, "test.db"));

    [Fact]
    public async Task The_lock_goes_to_one_session_at_a_time_and_is_freed_when_its_holder_dies()
    {
        await _store.DeliverAsync("alice", "Subject: x\r\n\r\nx\r\n"u8.ToArray(), null);
        var mailbox = Sys.ActorOf(MailboxEntity.Props("alice", _store));
        var first = CreateTestProbe();
        var second = CreateTestProbe();

        mailbox.Tell(new Acquire("alice", first.Ref), first.Ref);
        Assert.Single(first.ExpectMsg<Acquired>().Messages);

        mailbox.Tell(new Acquire("alice", second.Ref), second.Ref);
        second.ExpectMsg<InUse>();

        Sys.Stop(first.Ref);
        await AwaitAssertAsync(() =>
        {
            mailbox.Tell(new Acquire("alice", second.Ref), second.Ref);
            second.ExpectMsg<Acquired>(TimeSpan.FromMilliseconds(500));
        });
    }

    [Fact]
    public async Task Only_the_holder_can_commit_deletions()
    {
        var id = (await _store.DeliverAsync("bob", "x\r\n"u8.ToArray(), null)).Id;
        var mailbox = Sys.ActorOf(MailboxEntity.Props("bob", _store));
        var holder = CreateTestProbe();
        var intruder = CreateTestProbe();
        mailbox.Tell(new Acquire("bob", holder.Ref), holder.Ref);
        holder.ExpectMsg<Acquired>();

        mailbox.Tell(new Commit("bob", intruder.Ref, [id]), intruder.Ref);
        Assert.False(intruder.ExpectMsg<Committed>().AllRemoved);
        Assert.Single(await _store.ListMessagesAsync("bob"));

        mailbox.Tell(new Commit("bob", holder.Ref, [id]), holder.Ref);
        Assert.True(holder.ExpectMsg<Committed>().AllRemoved);
        Assert.Empty(await _store.ListMessagesAsync("bob"));

        mailbox.Tell(new Acquire("bob", intruder.Ref), intruder.Ref);
        intruder.ExpectMsg<Acquired>();
    }

    [Fact]
    public async Task A_login_after_new_mail_or_a_deletion_sees_the_maildrop_as_stored_now()
    {
        var first = await _store.DeliverAsync("carol", "a\r\n"u8.ToArray(), null);
        var mailbox = Sys.ActorOf(MailboxEntity.Props("carol", _store));
        var session = CreateTestProbe();
        Assert.Equal([first.Id], LoginAndRelease("carol", mailbox, session).Select(m => m.Id));

        var second = await _store.DeliverAsync("carol", "b\r\n"u8.ToArray(), null);   // delivered past the entity
        Assert.Equal([first.Id, second.Id], LoginAndRelease("carol", mailbox, session).Select(m => m.Id));

        await _store.DeleteMessagesAsync("carol", [second.Id]);                        // deleted past the entity
        var third = await _store.DeliverAsync("carol", "c\r\n"u8.ToArray(), null);
        Assert.Equal([first.Id, third.Id], LoginAndRelease("carol", mailbox, session).Select(m => m.Id));

        mailbox.Tell(new Acquire("carol", session.Ref), session.Ref);
        session.ExpectMsg<Acquired>();
        mailbox.Tell(new Commit("carol", session.Ref, [first.Id]), session.Ref);
        Assert.True(session.ExpectMsg<Committed>().AllRemoved);
        Assert.Equal([third.Id], LoginAndRelease("carol", mailbox, session).Select(m => m.Id));
    }

    [Fact]
    public async Task An_unchanged_maildrop_is_not_read_again_at_the_next_login()
    {
        await _store.DeliverAsync("dave", "a\r\n"u8.ToArray(), null);
        var mailbox = Sys.ActorOf(MailboxEntity.Props("dave", _store));
        var session = CreateTestProbe();
        var before = LoginAndRelease("dave", mailbox, session);
        Assert.Same(before, LoginAndRelease("dave", mailbox, session));
    }

    /// <summary>Takes the lock, then gives it back (messages from one sender arrive in order).</summary>
    private static IReadOnlyList<StoredMessageInfo> LoginAndRelease(string account, IActorRef mailbox, Akka.TestKit.TestProbe session)
    {
        mailbox.Tell(new Acquire(account, session.Ref), session.Ref);
        var listing = session.ExpectMsg<Acquired>().Messages;
        mailbox.Tell(new Release(account, session.Ref), session.Ref);
        return listing;
    }

    public new void Dispose()
    {
        base.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, true);
    }
}
