using MailActors.Grants;

namespace MailActors.Tests.Grants;

public sealed class GrantLedgerStateTests
{
    private static readonly DateTime T0 = new(2026, 11, 28, 10, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    private static GrantLedgerState Earn(GrantLedgerState state, string key, string account, DateTime at, out IGrantEvent e)
    {
        e = state.Earn(key, key, account, "pop3s", "userpass", "node-a", at, Window);
        return state.Apply(e);
    }

    [Fact]
    public void A_grant_is_valid_from_its_login_until_just_before_the_window_ends()
    {
        var state = Earn(GrantLedgerState.Empty, "198.51.100.7", "alice", T0, out var e);
        Assert.IsType<GrantIssued>(e);
        Assert.Equal("alice", state.ValidAt("198.51.100.7", T0)!.Account);
        Assert.NotNull(state.ValidAt("198.51.100.7", T0 + Window - TimeSpan.FromTicks(1)));
        Assert.Null(state.ValidAt("198.51.100.7", T0 + Window));
        Assert.Null(state.ValidAt("198.51.100.8", T0));
    }

    [Fact]
    public void A_login_while_the_grant_is_live_renews_it_and_may_hand_it_to_another_account()
    {
        var state = Earn(GrantLedgerState.Empty, "198.51.100.7", "alice", T0, out _);
        state = Earn(state, "198.51.100.7", "bob", T0.AddMinutes(4), out var renewal);
        Assert.IsType<GrantRenewed>(renewal);
        var grant = state.ValidAt("198.51.100.7", T0.AddMinutes(8))!;
        Assert.Equal("bob", grant.Account);
        Assert.Equal(T0.AddMinutes(9), grant.ExpiresAt);
    }

    [Fact]
    public void A_login_after_expiry_issues_a_fresh_grant()
    {
        var state = Earn(GrantLedgerState.Empty, "198.51.100.7", "alice", T0, out _);
        Earn(state, "198.51.100.7", "alice", T0 + Window, out var e);
        Assert.IsType<GrantIssued>(e);
    }

    [Fact]
    public void An_expiry_recorded_after_a_renewal_does_not_drop_the_renewed_grant()
    {
        var state = Earn(GrantLedgerState.Empty, "198.51.100.7", "alice", T0, out _);
        state = Earn(state, "198.51.100.7", "alice", T0.AddMinutes(4), out _);
        state = state.Apply(new GrantExpired("198.51.100.7", "alice", "node-a", T0 + Window));
        Assert.NotNull(state.ValidAt("198.51.100.7", T0.AddMinutes(6)));
        state = state.Apply(new GrantExpired("198.51.100.7", "alice", "node-a", T0.AddMinutes(9)));
        Assert.Empty(state.Grants);
    }

    [Fact]
    public void Revocation_removes_the_grant_and_account_lookup_finds_every_grant_of_an_account()
    {
        var state = Earn(GrantLedgerState.Empty, "198.51.100.7", "alice", T0, out _);
        state = Earn(state, "2001:db8:1::/64", "alice", T0, out _);
        state = Earn(state, "198.51.100.9", "bob", T0, out _);
        Assert.Equal(2, state.OfAccount("alice").Count());
        state = state.Apply(new GrantRevoked("198.51.100.7", "alice", "password changed", "node-a", T0.AddMinutes(1)));
        Assert.Null(state.ValidAt("198.51.100.7", T0.AddMinutes(1)));
        Assert.Equal(2, state.LiveAt(T0.AddMinutes(1)).Count);
    }

    [Theory]
    [InlineData("198.51.100.7", "198.51.100.7")]
    [InlineData("::ffff:198.51.100.7", "198.51.100.7")]
    [InlineData("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2:ffff::1", "2001:db8:1:2::/64")]
    public void IPv4_grants_are_per_address_and_IPv6_grants_per_prefix(string address, string key) =>
        Assert.Equal(key, GrantKey.Of(System.Net.IPAddress.Parse(address), 64));
}
