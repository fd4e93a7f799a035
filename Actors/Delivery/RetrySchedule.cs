namespace MailActors.Delivery;

/// <summary>
/// When a temporarily failed recipient is tried again, and when it is given up (docs/spec.md §10, relay.retry-schedule and
/// relay.give-up-after). After the n-th failed attempt (n = 1, 2, ...) the next one waits schedule[min(n, length) - 1];
/// the last step repeats. Give-up counts from the message's acceptance, not from the first attempt.
/// </summary>
public sealed class RetrySchedule(IReadOnlyList<TimeSpan> steps, TimeSpan giveUpAfter)
{
    public TimeSpan DelayAfter(int failedAttempts) =>
        steps[Math.Clamp(failedAttempts, 1, steps.Count) - 1];

    /// <summary>True when a temporary failure at <paramref name="now"/> ends the message's time in the queue.</summary>
    public bool GivesUp(DateTime createdUtc, DateTime now) => now >= createdUtc + giveUpAfter;

    /// <summary>The next attempt after a temporary failure; never later than the give-up time, so that one last try happens then.</summary>
    public DateTime NextAttempt(DateTime createdUtc, DateTime now, int failedAttempts)
    {
        var next = now + DelayAfter(failedAttempts);
        var deadline = createdUtc + giveUpAfter;
        return next > deadline ? deadline : next;
    }
}
