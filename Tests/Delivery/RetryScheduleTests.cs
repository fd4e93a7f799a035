using MailActors.Delivery;

namespace MailActors.Tests.Delivery;

public sealed class RetryScheduleTests
{
    private static readonly DateTime Created = new(2026, 11, 28, 10, 0, 0, DateTimeKind.Utc);
    private readonly RetrySchedule _schedule = new([TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15)], TimeSpan.FromDays(5));

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 5)]
    [InlineData(3, 15)]
    [InlineData(4, 15)]
    [InlineData(40, 15)]
    public void The_nth_failure_waits_the_nth_step_and_the_last_step_repeats(int failures, int minutes) =>
        Assert.Equal(TimeSpan.FromMinutes(minutes), _schedule.DelayAfter(failures));

    [Fact]
    public void Give_up_counts_from_acceptance_not_from_the_first_attempt()
    {
        Assert.False(_schedule.GivesUp(Created, Created + TimeSpan.FromDays(5) - TimeSpan.FromTicks(1)));
        Assert.True(_schedule.GivesUp(Created, Created + TimeSpan.FromDays(5)));
    }

    [Fact]
    public void The_last_retry_is_pulled_in_to_the_give_up_time_rather_than_skipped()
    {
        var now = Created + TimeSpan.FromDays(5) - TimeSpan.FromMinutes(2);
        Assert.Equal(Created + TimeSpan.FromDays(5), _schedule.NextAttempt(Created, now, 3));
        Assert.Equal(Created + TimeSpan.FromMinutes(11), _schedule.NextAttempt(Created, Created + TimeSpan.FromMinutes(10), 1));
    }
}
