using MailActors.AuthFailures;
using MailActors.Configuration;

namespace MailActors.Tests.AuthFailures;

public sealed class AuthFailureBookTests
{
    private static readonly AuthFailureSettings Settings = new(PerAddress: 3, PerAccount: 5, Window: TimeSpan.FromMinutes(15),
        Block: TimeSpan.FromMinutes(15), FirstDelay: TimeSpan.FromSeconds(2), MaxDelay: TimeSpan.FromSeconds(15),
        KnownAddressFor: TimeSpan.FromDays(30));
    private static readonly DateTime T0 = new(2026, 11, 27, 10, 0, 0, DateTimeKind.Utc);

    /// <summary>One attempt, reserved and settled at once; null when the reservation was refused (blocked).</summary>
    private static Settlement? Attempt(AuthFailureBook book, string address, string account, DateTime at, AttemptResult result = AttemptResult.Failed) =>
        book.Reserve(address, account, at) is { } id ? book.Settle(id, address, account, result, at) : null;

    [Fact]
    public void The_delay_doubles_per_failure_from_an_address_up_to_the_cap()
    {
        var book = new AuthFailureBook(Settings with { PerAddress = 100, PerAccount = 100 });
        var delays = Enumerable.Range(0, 5).Select(i => Attempt(book, "198.51.100.1", "a" + i, T0.AddSeconds(i))!.Delay.TotalSeconds);
        Assert.Equal(new double[] { 2, 4, 8, 15, 15 }, delays);
    }

    [Fact]
    public void An_address_is_blocked_at_the_limit_and_free_again_after_the_block()
    {
        var book = new AuthFailureBook(Settings);
        for (var i = 0; i < 2; i++) Assert.False(Attempt(book, "198.51.100.1", "user" + i, T0)!.AddressBlocked);
        Assert.True(Attempt(book, "198.51.100.1", "user2", T0)!.AddressBlocked);
        Assert.Null(book.Reserve("198.51.100.1", "anyone", T0.AddMinutes(1)));
        Assert.NotNull(book.Reserve("198.51.100.2", "anyone", T0.AddMinutes(1)));
        Assert.NotNull(book.Reserve("198.51.100.1", "anyone", T0.AddMinutes(15).AddSeconds(1)));
    }

    [Fact]
    public void An_account_is_blocked_for_every_address_at_its_limit()
    {
        var book = new AuthFailureBook(Settings);
        for (var i = 0; i < 4; i++) Assert.False(Attempt(book, $"198.51.100.{i}", "alice", T0)!.AccountBlocked);
        Assert.True(Attempt(book, "198.51.100.9", "alice", T0)!.AccountBlocked);
        Assert.Null(book.Reserve("203.0.113.1", "alice", T0.AddSeconds(1)));
    }

    [Fact]
    public void Failures_older_than_the_window_do_not_count()
    {
        var book = new AuthFailureBook(Settings);
        Attempt(book, "198.51.100.1", "a", T0);
        Attempt(book, "198.51.100.1", "a", T0.AddMinutes(1));
        Assert.Equal(TimeSpan.FromSeconds(2), Attempt(book, "198.51.100.1", "a", T0.AddMinutes(20))!.Delay);
        Assert.NotNull(book.Reserve("198.51.100.1", "a", T0.AddMinutes(20)));
    }

    [Fact]
    public void Parallel_attempts_are_counted_before_they_are_checked_so_no_more_than_the_limit_get_checked()
    {
        var book = new AuthFailureBook(Settings with { PerAddress = 1000 });
        var reserved = Enumerable.Range(0, 100).Select(i => book.Reserve($"198.51.100.{i}", "alice", T0)).Where(id => id is not null).ToList();
        Assert.Equal(5, reserved.Count); // all 100 arrive before any is settled: only the limit gets a password check
        var perAddress = new AuthFailureBook(Settings with { PerAccount = 1000 });
        Assert.Equal(3, Enumerable.Range(0, 100).Count(i => perAddress.Reserve("198.51.100.1", "user" + i, T0) is not null));
    }

    [Fact]
    public void Attempts_in_flight_that_take_the_rest_of_a_limit_make_the_next_wait_but_do_not_block_it()
    {
        var book = new AuthFailureBook(Settings);
        var ids = Enumerable.Range(0, 3).Select(i => book.Reserve("198.51.100.1", "user" + i, T0)!.Value).ToList();
        Assert.Null(book.Reserve("198.51.100.1", "user3", T0));
        Assert.False(book.IsBlocked("198.51.100.1", "user3", T0));
        book.Settle(ids[0], "198.51.100.1", "user0", AttemptResult.Succeeded, T0);
        Assert.NotNull(book.Reserve("198.51.100.1", "user3", T0));
        foreach (var id in ids.Skip(1)) book.Settle(id, "198.51.100.1", "x", AttemptResult.Failed, T0);
        Assert.False(book.IsBlocked("198.51.100.1", "user4", T0));
        Assert.Null(book.Reserve("198.51.100.1", "user4", T0)); // two failures and one attempt in flight: the limit of 3
    }

    [Fact]
    public void A_released_reservation_is_given_back_and_an_unsettled_one_expires()
    {
        var book = new AuthFailureBook(Settings);
        var ids = Enumerable.Range(0, 3).Select(_ => book.Reserve("198.51.100.1", "alice", T0)!.Value).ToList();
        Assert.Null(book.Reserve("198.51.100.1", "alice", T0));
        book.Settle(ids[0], "198.51.100.1", "alice", AttemptResult.Released, T0);
        Assert.NotNull(book.Reserve("198.51.100.1", "alice", T0));
        book.Prune(T0 + AuthFailureBook.ReservationLifetime);
        Assert.NotNull(book.Reserve("198.51.100.1", "alice", T0 + AuthFailureBook.ReservationLifetime));
    }

    [Fact]
    public void A_blocked_account_still_logs_in_from_an_address_it_logged_in_from_within_known_address_for()
    {
        var book = new AuthFailureBook(Settings with { PerAddress = 100 });
        Attempt(book, "192.0.2.10", "alice", T0, AttemptResult.Succeeded); // alice at home
        for (var i = 0; i < 5; i++) Attempt(book, "203.0.113.66", "alice", T0.AddMinutes(1)); // a stranger locks the account
        Assert.Null(book.Reserve("203.0.113.66", "alice", T0.AddMinutes(2)));
        Assert.Null(book.Reserve("198.51.100.3", "alice", T0.AddMinutes(2)));
        Assert.NotNull(book.Reserve("192.0.2.10", "alice", T0.AddMinutes(2)));

        var later = new AuthFailureBook(Settings with { PerAddress = 100 });
        Attempt(later, "192.0.2.10", "alice", T0, AttemptResult.Succeeded);
        var then = T0 + Settings.KnownAddressFor + TimeSpan.FromMinutes(1);
        for (var i = 0; i < 5; i++) Attempt(later, "203.0.113.66", "alice", then);
        Assert.Null(later.Reserve("192.0.2.10", "alice", then)); // known too long ago
    }

    [Fact]
    public void Known_addresses_are_bounded_per_account_keeping_the_most_recent()
    {
        var book = new AuthFailureBook(Settings with { PerAddress = 100 });
        for (var i = 0; i <= AuthFailureBook.KnownAddressesPerAccount; i++)
            Attempt(book, $"192.0.2.{i}", "alice", T0.AddMinutes(i), AttemptResult.Succeeded);
        var now = T0.AddHours(1);
        for (var i = 0; i < 5; i++) Attempt(book, "203.0.113.66", "alice", now);
        Assert.Null(book.Reserve("192.0.2.0", "alice", now)); // the oldest was forgotten
        Assert.NotNull(book.Reserve($"192.0.2.{AuthFailureBook.KnownAddressesPerAccount}", "alice", now));
    }
}
