using MailActors.Smtp;

namespace MailActors.Tests.Smtp;

/// <summary>The node's budget of octets in commit (docs/spec.md §14), with plain values.</summary>
public sealed class CommitBudgetTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30), Short = TimeSpan.FromMilliseconds(200);

    [Fact]
    public async Task Commits_within_the_budget_go_at_once()
    {
        var budget = new CommitBudget(100, Long);
        using var a = await budget.ReserveAsync(60);
        using var b = await budget.ReserveAsync(40);
        Assert.NotNull(a);
        Assert.NotNull(b);
        Assert.Equal(100, budget.InUse);
    }

    [Fact]
    public async Task A_commit_past_the_budget_waits_until_enough_is_given_back()
    {
        var budget = new CommitBudget(100, Long);
        var first = await budget.ReserveAsync(70);
        var second = budget.ReserveAsync(70);
        Assert.False(second.IsCompleted);
        first!.Dispose();
        using var granted = await second;
        Assert.NotNull(granted);
        Assert.Equal(70, budget.InUse);
    }

    [Fact]
    public async Task A_commit_that_waits_past_the_patience_is_refused_and_holds_nothing()
    {
        var budget = new CommitBudget(100, Short);
        using var first = await budget.ReserveAsync(70);
        Assert.Null(await budget.ReserveAsync(70));
        Assert.Equal(70, budget.InUse);
    }

    [Fact]
    public async Task A_message_larger_than_the_whole_budget_goes_when_it_is_alone()
    {
        var budget = new CommitBudget(100, Long);
        using var big = await budget.ReserveAsync(250);
        Assert.NotNull(big);
        var small = budget.ReserveAsync(1);
        Assert.False(small.IsCompleted);
        big!.Dispose();
        Assert.NotNull(await small);
    }

    [Fact]
    public async Task Commits_wait_in_order_so_a_large_one_is_not_overtaken_for_ever()
    {
        var budget = new CommitBudget(100, Long);
        var holder = await budget.ReserveAsync(50);
        var large = budget.ReserveAsync(80);
        var small = budget.ReserveAsync(10); // would fit now, but the large one came first
        Assert.False(small.IsCompleted);
        holder!.Dispose();
        using var largeLease = await large;
        using var smallLease = await small;
        Assert.Equal(90, budget.InUse);
    }

    [Fact]
    public async Task A_lease_given_back_twice_counts_once()
    {
        var budget = new CommitBudget(100, Long);
        var lease = await budget.ReserveAsync(30);
        using var other = await budget.ReserveAsync(30);
        lease!.Dispose();
        lease.Dispose();
        Assert.Equal(30, budget.InUse);
    }
}
