using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Akka.Persistence.TestKit;
using MailActors.Grants;
using static MailActors.Grants.GrantLedgerProtocol;

namespace MailActors.Tests.Grants;

/// <summary>
/// The ledger as the singleton runs it, under its back-off supervisor: a journal write that fails stops it, and it
/// comes back recovered from the journal, with the grants it had recorded (issue 11, item 5).
/// </summary>
public sealed class GrantLedgerSupervisionTests()
    : Akka.TestKit.Xunit2.TestKit(ConfigurationFactory.FromResource<TestJournal>("Akka.Persistence.TestKit.config.conf"))
{
    private static Earn EarnFor(string address) => new(address, "alice", "pop3s", "userpass", "node", DateTime.UtcNow);

    [Fact]
    public async Task A_failed_journal_write_stops_the_ledger_and_it_comes_back_with_what_was_recorded()
    {
        var journal = TestJournal.FromRef(Persistence.Instance.Apply(Sys).JournalFor(null));
        var ledger = Sys.ActorOf(GrantLedgerActor.SupervisedProps(TimeSpan.FromMinutes(5), 64, "node"));

        var first = await ledger.Ask<Earned>(EarnFor("203.0.113.9"), TimeSpan.FromSeconds(10));
        Assert.Equal("alice", first.Grant.Account);

        await journal.OnWrite.Fail();
        await Assert.ThrowsAsync<AskTimeoutException>(() => ledger.Ask<Earned>(EarnFor("203.0.113.10"), TimeSpan.FromSeconds(2)));
        await journal.OnWrite.Pass();

        // Back from the journal: the recorded grant is honoured, the failed one was never granted, and new ones are.
        await AwaitAssertAsync(async () =>
        {
            var check = await ledger.Ask<CheckResult>(new Check("203.0.113.9"), TimeSpan.FromSeconds(1));
            Assert.Equal(first.Grant.ExpiresAt, check.Grant?.ExpiresAt);
        }, TimeSpan.FromSeconds(15), TimeSpan.FromMilliseconds(200));
        Assert.Null((await ledger.Ask<CheckResult>(new Check("203.0.113.10"), TimeSpan.FromSeconds(5))).Grant);
        var again = await ledger.Ask<Earned>(EarnFor("203.0.113.10"), TimeSpan.FromSeconds(10));
        Assert.True(again.Grant.IsValidAt(DateTime.UtcNow));
    }
}
