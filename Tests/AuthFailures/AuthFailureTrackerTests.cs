using System.Diagnostics;
using MailActors.AuthFailures;
using MailActors.Configuration;
using static MailActors.AuthFailures.AuthFailureProtocol;

namespace MailActors.Tests.AuthFailures;

/// <summary>
/// The tracker's queue (docs/spec.md §14): an attempt that finds the attempts in flight holding what is left of a limit
/// waits for one of them to settle, and then is let in, refused as blocked, or after the longest wait answered busy
/// (a temporary failure the session reports as such, not a block).
/// </summary>
public sealed class AuthFailureTrackerTests : Akka.TestKit.Xunit2.TestKit
{
    private const string Address = "198.51.100.7";
    /// <summary>Long enough that no waiting attempt is answered busy while a test looks at something else.</summary>
    private static readonly TimeSpan LongWait = TimeSpan.FromMinutes(1);
    private static readonly AuthFailureSettings Settings = new(PerAddress: 2, PerAccount: 10, Window: TimeSpan.FromMinutes(15),
        Block: TimeSpan.FromMinutes(15), FirstDelay: TimeSpan.Zero, MaxDelay: TimeSpan.Zero, KnownAddressFor: TimeSpan.FromDays(30));

    private long Reserved(Akka.Actor.IActorRef tracker, string account)
    {
        tracker.Tell(new Reserve(Address, account), TestActor);
        return ExpectMsg<Reservation>().Id ?? throw new Xunit.Sdk.XunitException("refused while under the limit");
    }

    [Fact]
    public void A_waiting_attempt_is_let_in_when_one_in_flight_settles()
    {
        var tracker = Sys.ActorOf(AuthFailureTracker.Props(Settings, LongWait));
        var first = Reserved(tracker, "alice");
        Reserved(tracker, "bob");

        var waiting = CreateTestProbe();
        tracker.Tell(new Reserve(Address, "carol"), waiting);
        waiting.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        tracker.Tell(new Settle(first, Address, "alice", AttemptResult.Succeeded), TestActor);
        ExpectMsg<Settled>();

        Assert.NotNull(waiting.ExpectMsg<Reservation>().Id);
    }

    [Fact]
    public void A_waiting_attempt_is_refused_as_blocked_when_the_ones_in_flight_fail_to_the_limit()
    {
        var tracker = Sys.ActorOf(AuthFailureTracker.Props(Settings, LongWait));
        var ids = new[] { Reserved(tracker, "alice"), Reserved(tracker, "bob") };

        var waiting = CreateTestProbe();
        tracker.Tell(new Reserve(Address, "carol"), waiting);
        tracker.Tell(new Settle(ids[0], Address, "alice", AttemptResult.Failed), TestActor);
        tracker.Tell(new Settle(ids[1], Address, "bob", AttemptResult.Failed), TestActor);
        ExpectMsg<Settled>();
        Assert.True(ExpectMsg<Settled>().AddressBlocked);

        var answer = waiting.ExpectMsg<Reservation>();
        Assert.True(answer.Blocked);
        Assert.False(answer.Busy);
    }

    [Fact]
    public void A_waiting_attempt_whose_turn_does_not_come_is_answered_busy_not_blocked()
    {
        var wait = TimeSpan.FromMilliseconds(600);
        var tracker = Sys.ActorOf(AuthFailureTracker.Props(Settings, wait));
        Reserved(tracker, "alice");
        Reserved(tracker, "bob");

        var waiting = CreateTestProbe();
        var asked = Stopwatch.StartNew();
        tracker.Tell(new Reserve(Address, "carol"), waiting);

        // The queue is looked at twice a second: the answer comes within one look after the wait, never before it.
        var answer = waiting.ExpectMsg<Reservation>(TimeSpan.FromSeconds(10));
        Assert.True(asked.Elapsed >= wait, $"answered after {asked.Elapsed.TotalMilliseconds:0} ms");
        Assert.Null(answer.Id);
        Assert.True(answer.Busy);
        Assert.False(answer.Blocked);
    }
}
