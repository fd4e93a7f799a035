using MailActors.Audit;
using MailActors.Pop3;

namespace MailActors.Tests.Pop3;

public sealed class MailboxActivityTests
{
    private static Pop3Session? FactOf(MailboxActivity activity, params string[] deleted) =>
        activity.Fact("alice", deleted, "quit", "192.0.2.7", "pop3s", "node", DateTime.UnixEpoch);

    [Fact]
    public void A_session_that_neither_retrieved_nor_deleted_records_no_fact()
    {
        Assert.Null(FactOf(new MailboxActivity()));
    }

    [Fact]
    public void Retrievals_are_listed_once_each_in_the_order_of_their_first_retr()
    {
        var activity = new MailboxActivity();
        activity.Retrieve("u2", "<two@x>");
        activity.Retrieve("u1", null);
        activity.Retrieve("u2", "<two@x>");

        var fact = FactOf(activity)!;

        Assert.Equal([new MailboxMessage("u2", "<two@x>"), new MailboxMessage("u1", null)], fact.Retrieved);
        Assert.Empty(fact.Deleted);
    }

    [Fact]
    public void A_deleted_message_carries_the_message_id_its_retrieval_read_and_an_unread_one_none()
    {
        var activity = new MailboxActivity();
        activity.Retrieve("u1", "<one@x>");

        var fact = FactOf(activity, "u1", "u3")!;

        Assert.Equal([new MailboxMessage("u1", "<one@x>"), new MailboxMessage("u3", null)], fact.Deleted);
    }

    [Fact]
    public void A_thousand_retrievals_and_deletions_are_noted_in_well_under_a_second()
    {
        // the audit merge's list scan made this quadratic: a 1000-message session cost ~50 µs more per RETR (issue 16)
        var activity = new MailboxActivity();
        var uidls = Enumerable.Range(1, 20_000).Select(i => $"uidl-{i:D8}").ToArray();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        foreach (var uidl in uidls) activity.Retrieve(uidl, $"<{uidl}@x>");
        var fact = FactOf(activity, uidls)!;
        clock.Stop();

        Assert.Equal(20_000, fact.Retrieved.Count);
        Assert.Equal("<uidl-00019999@x>", fact.Deleted[^2].MessageId);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
    }
}
