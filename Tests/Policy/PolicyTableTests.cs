using MailActors.Policy;
using MailActors.Tests.Pop3;

namespace MailActors.Tests.Policy;

/// <summary>The POP3 cells of the docs/spec.md §3 matrix, decided from the data table with the rule named.</summary>
public sealed class PolicyTableTests
{
    private static readonly PolicyTable Table = PolicyTable.FromSettings(TestSettings.Default);

    [Theory]
    [InlineData(Zone.Inside, ListenerKind.Pop3, Mechanism.UserPass, false, true, "campus-pop3-userpass")]
    [InlineData(Zone.Dialup, ListenerKind.Pop3, Mechanism.UserPass, false, true, "campus-pop3-userpass")]
    [InlineData(Zone.Outside, ListenerKind.Pop3, Mechanism.UserPass, false, false, "outside-pop3-cleartext-refused")]
    [InlineData(Zone.Outside, ListenerKind.Pop3, Mechanism.UserPass, true, true, "outside-pop3-stls-userpass")]
    [InlineData(Zone.Inside, ListenerKind.Pop3s, Mechanism.UserPass, true, true, "pop3s-userpass")]
    [InlineData(Zone.Outside, ListenerKind.Pop3s, Mechanism.UserPass, true, true, "pop3s-userpass")]
    [InlineData(Zone.Inside, ListenerKind.Apop, Mechanism.Apop, false, true, "apop-listener-apop")]
    [InlineData(Zone.Outside, ListenerKind.Apop, Mechanism.Apop, false, true, "apop-listener-apop")]
    [InlineData(Zone.Inside, ListenerKind.Apop, Mechanism.UserPass, false, true, "campus-apop-listener-userpass")]
    [InlineData(Zone.Dialup, ListenerKind.Apop, Mechanism.UserPass, false, true, "campus-apop-listener-userpass")]
    [InlineData(Zone.Outside, ListenerKind.Apop, Mechanism.UserPass, false, false, "outside-apop-listener-userpass-refused")]
    [InlineData(Zone.Inside, ListenerKind.Pop3, Mechanism.Apop, false, false, "apop-only-on-apop-listener")]
    [InlineData(Zone.Outside, ListenerKind.Pop3s, Mechanism.Apop, true, false, "apop-only-on-apop-listener")]
    public void Each_cell_is_decided_by_a_named_rule(Zone zone, ListenerKind listener, Mechanism mechanism, bool tls, bool allowed, string rule)
    {
        var decision = Table.Decide(zone, listener, mechanism, tls);
        Assert.Equal((allowed, rule), (decision.Allowed, decision.Rule));
        if (!allowed) Assert.False(string.IsNullOrWhiteSpace(decision.Advice));
    }

    [Fact]
    public void Refusals_name_the_ports_as_configured()
    {
        var table = PolicyTable.FromSettings(TestSettings.With("mailactors.port-offset = 10000"));
        var advice = table.Decide(Zone.Outside, ListenerKind.Pop3, Mechanism.UserPass, false).Advice;
        Assert.Contains("port 10995", advice);
        Assert.Contains("port 21110", advice);
    }

    [Fact]
    public void Stls_from_outside_can_be_switched_off()
    {
        var table = PolicyTable.FromSettings(TestSettings.With("mailactors.policy.allow-stls-outside = off"));
        var decision = table.Decide(Zone.Outside, ListenerKind.Pop3, Mechanism.UserPass, tls: true);
        Assert.False(decision.Allowed);
        Assert.Contains("port 995", decision.Advice);
        Assert.DoesNotContain("STLS", table.Decide(Zone.Outside, ListenerKind.Pop3, Mechanism.UserPass, false).Advice);
    }

    [Theory]
    [InlineData("127.0.0.1", Zone.Inside)]
    [InlineData("::ffff:127.0.0.9", Zone.Inside)]
    [InlineData("::1", Zone.Inside)]
    [InlineData("192.168.7.7", Zone.Dialup)]
    [InlineData("2001:db8::5", Zone.Dialup)]
    [InlineData("203.0.113.1", Zone.Outside)]
    [InlineData("2001:db9::1", Zone.Outside)]
    public void Addresses_are_classified_by_the_configured_networks(string address, Zone zone)
    {
        var settings = TestSettings.With("""mailactors.networks.dialup = ["192.168.0.0/16", "2001:db8::/32"]""");
        Assert.Equal(zone, new ZoneClassifier(settings.Networks).Classify(System.Net.IPAddress.Parse(address)));
    }
}
