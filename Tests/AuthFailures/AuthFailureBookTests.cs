using MailActors.AuthFailures;
using MailActors.Configuration;

namespace MailActors.Tests.AuthFailures;

public sealed class AuthFailureBookTests
{
    private static readonly AuthFailureSettings Settings = new(PerAddress: 3, PerAccount: 5, Window: TimeSpan.FromMinutes(15),
        Block: TimeSpan.FromMinutes(15), FirstDelay: TimeSpan.FromSeconds(2), MaxDelay: TimeSpan.FromSeconds(15),
        KnownAddressFor: TimeSpan.FromDays(30));
    private static readonly DateTime T0 = new(2026, 11, 27, 10, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void The_delay_doubles_per_failure_from_an_address_up_to_the_cap()
    {
        var book = new AuthFailureBook(Settings with { PerAddress = 100, PerAccount = 100 });
        var delays = Enumerable.Range(0, 5).Select(i => book.RecordFailure("198.51.100.1", "a" + i, T0.AddSeconds(i)).Delay.TotalSeconds);
        Assert.Equal(new double[] { 2, 4, 8, 15, 15 }, delays);
    }

    [Fact]
    public void An_address_is_blocked_at_the_limit_and_free_again_after_the_block()
    {
        var book = new AuthFailureBook(Settings);
        for (var i = 0; i < 3; i++) book.RecordFailure("198.51.100.1", "user" + i, T0);
        Assert.True(book.IsBlocked("198.51.100.1", "anyone", T0.AddMinutes(1)));
        Assert.False(book.IsBlocked("198.51.100.2", "anyone", T0.AddMinutes(1)));
        Assert.False(book.IsBlocked("198.51.100.1", "anyone", T0.AddMinutes(15).AddSeconds(1)));
    }

    [Fact]
    public void An_account_is_blocked_for_every_address_at_its_limit()
    {
        var book = new AuthFailureBook(Settings);
        for (var i = 0; i < 4; i++) Assert.False(book.RecordFailure($"198.51.100.{i}", "alice", T0).AccountBlocked);
        Assert.True(book.RecordFailure("198.51.100.9", "alice", T0).AccountBlocked);
        Assert.True(book.IsBlocked("203.0.113.1", "alice", T0.AddSeconds(1)));
    }

    [Fact]
    public void Failures_older_than_the_window_do_not_count()
    {
        var book = new AuthFailureBook(Settings);
        book.RecordFailure("198.51.100.1", "a", T0);
        book.RecordFailure("198.51.100.1", "a", T0.AddMinutes(1));
        var (delay, _, _) = book.RecordFailure("198.51.100.1", "a", T0.AddMinutes(20));
        Assert.Equal(TimeSpan.FromSeconds(2), delay);
        Assert.False(book.IsBlocked("198.51.100.1", "a", T0.AddMinutes(20)));
    }
}
