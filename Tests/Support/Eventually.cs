namespace MailActors.Tests.Support;

/// <summary>Polls a condition with a deadline, instead of sleeping and hoping.</summary>
public static class Eventually
{
    public static async Task AssertAsync(Func<Task<bool>> condition, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(10));
        while (DateTime.UtcNow < deadline)
        {
            if (await condition()) return;
            await Task.Delay(50);
        }
        Assert.Fail($"not within {(within ?? TimeSpan.FromSeconds(10)).TotalSeconds}s: {what}");
    }
}
