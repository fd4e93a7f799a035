using MailActors.Observability;

namespace MailActors.Tests.Observability;

/// <summary>The readiness rule (<c>/readyz</c>) as a pure function of plain values.</summary>
public sealed class ReadinessTests
{
    private const string Self = "akka.tcp://mailactors@10.0.0.1:4053";

    private static MemberView Member(string host, string status = "Up", bool reachable = true) =>
        new($"akka.tcp://mailactors@{host}:4053", status, ["mail"], reachable);

    private static ReadinessFacts Facts(params MemberView[] members) => new(true, Self, members, null);

    [Fact]
    public void A_single_up_node_with_bound_listeners_and_storage_is_ready() =>
        Assert.Empty(Readiness.Problems(Facts(Member("10.0.0.1"))));

    [Fact]
    public void Unbound_listeners_and_unanswering_storage_are_each_named()
    {
        var problems = Readiness.Problems(Facts(Member("10.0.0.1")) with { ListenersBound = false, StorageProblem = "database is locked" });
        Assert.Equal(["listeners not bound", "storage: database is locked"], problems);
    }

    [Fact]
    public void A_node_not_yet_in_the_membership_is_not_ready() =>
        Assert.Equal(["not a cluster member yet"], Readiness.Problems(Facts()));

    [Theory]
    [InlineData("Joining")]
    [InlineData("WeaklyUp")]
    [InlineData("Leaving")]
    [InlineData("Exiting")]
    [InlineData("Down")]
    public void A_node_that_is_not_up_is_not_ready(string status) =>
        Assert.Equal([$"cluster member is {status}"], Readiness.Problems(Facts(Member("10.0.0.1", status), Member("10.0.0.2"), Member("10.0.0.3"))));

    [Fact]
    public void A_node_the_others_find_unreachable_is_not_ready() =>
        Assert.Equal(["other members find this node unreachable"],
            Readiness.Problems(Facts(Member("10.0.0.1", reachable: false), Member("10.0.0.2"), Member("10.0.0.3"))));

    [Fact]
    public void A_node_on_the_majority_side_stays_ready_while_one_member_of_three_is_unreachable() =>
        Assert.Empty(Readiness.Problems(Facts(Member("10.0.0.1"), Member("10.0.0.2"), Member("10.0.0.3", reachable: false))));

    [Fact]
    public void A_node_cut_off_in_a_minority_is_not_ready_and_names_what_it_cannot_reach() =>
        Assert.Equal(["reaches 1 of 3 members, not a majority (unreachable: akka.tcp://mailactors@10.0.0.2:4053, akka.tcp://mailactors@10.0.0.3:4053)"],
            Readiness.Problems(Facts(Member("10.0.0.1"), Member("10.0.0.2", reachable: false), Member("10.0.0.3", reachable: false))));

    [Fact]
    public void Half_of_an_even_cluster_is_not_a_majority() =>
        Assert.Single(Readiness.Problems(Facts(Member("10.0.0.1"), Member("10.0.0.2", reachable: false))));

    [Fact]
    public void Members_joining_or_leaving_do_not_count_towards_the_majority() =>
        Assert.Empty(Readiness.Problems(Facts(Member("10.0.0.1"), Member("10.0.0.2", "Leaving", reachable: false),
            Member("10.0.0.3", "Joining", reachable: false))));
}
