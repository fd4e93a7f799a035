using System.Net;
using MailActors.Audit;
using MailActors.Configuration;
using MailActors.Grants;
using MailActors.Policy;
using MailActors.Smtp;

namespace MailActors.Tests.Audit;

/// <summary><c>audit what-if</c> as a pure function over a day's recorded facts (docs/spec.md §8).</summary>
public sealed class WhatIfTests
{
    private static readonly DateTime T0 = new(2026, 11, 27, 10, 0, 0, DateTimeKind.Utc);
    private static readonly IReadOnlyList<IPNetwork> Campus = [IPNetwork.Parse("10.0.0.0/8")];

    // alice logs in from outside (203.0.113.9) at 10:00 and sends at 10:01 and 10:04; bob logs in at 10:10 and sends at 10:10:30;
    // a stranger at 198.51.100.7 is refused at 10:20; carol, inside, relays by network at 10:30; dave by AUTH at 10:40.
    private static IEnumerable<AuditEntry> Day()
    {
        var chain = new HashChain();
        var ledger = new HashChain();
        AuditEntry Node(IAuditFact f) => new("audit-a", 0, chain.Link(f));
        AuditEntry Ledger(IGrantEvent e) => new(GrantLedgerActor.Id, 0, ledger.Link(e));
        AuthSucceeded Login(string account, string address, int minute) =>
            new(address, account, "pop3s", "userpass", "pop3s-userpass", "outside", "n", T0.AddMinutes(minute));
        RelayAccepted Relay(string account, string address, string mechanism, double minute) =>
            new("Q", "<m@x>", account + "@example.test", 1, address, "submission", mechanism, "r", account, null, null, "n", T0.AddMinutes(minute));

        yield return Node(Login("alice", "203.0.113.9", 0));
        yield return Ledger(new GrantIssued("203.0.113.9", "203.0.113.9", "alice", "pop3s", "userpass", "n", T0, T0.AddMinutes(5)));
        yield return Node(Relay("alice", "203.0.113.9", "grant", 1));
        yield return Node(Relay("alice", "203.0.113.9", "grant", 4));
        yield return Node(Login("bob", "198.51.100.20", 10));
        yield return Node(Relay("bob", "198.51.100.20", "grant", 10.5));
        yield return Node(new RelayRefused("198.51.100.7", "smtp", "x@spam.test", "v@remote.test", "outside-smtp-relay-refused", SmtpMachine.NoPermit, "n", T0.AddMinutes(20)));
        yield return Node(Relay("carol", "10.1.2.3", "network", 30));
        yield return Node(Relay("dave", "192.0.2.50", "smtpauth", 40));
    }

    private static WhatIfReport Replay(TimeSpan window, IReadOnlyList<IPNetwork>? inside = null, IReadOnlyList<IPNetwork>? dialup = null, DateTime? since = null)
    {
        var networks = new NetworkSettings(inside ?? Campus, dialup ?? [], []);
        var settings = MailActors.Host.Configuration.ConfigLoader.Load([]).Settings;
        var replay = new WhatIf(new WhatIfPolicy(new ZoneClassifier(networks), PolicyTable.FromSettings(settings with { Networks = networks }), window, 64, since));
        foreach (var e in Day()) replay.Logins(e);
        foreach (var e in Day()) replay.Relays(e);
        return replay.Report();
    }

    [Fact]
    public void Under_the_recorded_policy_nothing_changes()
    {
        var report = Replay(TimeSpan.FromMinutes(5));
        Assert.Equal((5, 0, 1, 0, 2, 0), (report.Relayed, report.WouldBeRefused, report.Refused, report.WouldPass, report.Logins, report.LoginsWouldBeRefused));
        Assert.Empty(report.Changes);
    }

    [Fact]
    public void A_shorter_window_refuses_the_relays_sent_after_it_per_account_and_address()
    {
        var report = Replay(TimeSpan.FromMinutes(2));
        Assert.Equal((5, 1, 1), (report.Relayed, report.WouldBeRefused, report.AccountsRefused));
        Assert.Equal(new WhatIfChange("alice", "203.0.113.9", 1, 0), Assert.Single(report.Changes)); // the 10:04 one; bob sent within 30 s

        var shorter = Replay(TimeSpan.FromSeconds(20));
        Assert.Equal((3, 2), (shorter.WouldBeRefused, shorter.AccountsRefused));
    }

    [Fact]
    public void Other_networks_change_network_relays_and_logins_from_there()
    {
        // the stranger's network becomes internal: its refused relay would have passed
        var wider = Replay(TimeSpan.FromMinutes(5), inside: [.. Campus, IPNetwork.Parse("198.51.100.0/24")]);
        Assert.Equal(new WhatIfChange("network", "198.51.100.7", 0, 1), Assert.Single(wider.Changes, c => c.WouldPass > 0));
        // bob's address is inside now: his login earns no grant, but his relay passes by network anyway
        Assert.DoesNotContain(wider.Changes, c => c.Account == "bob");

        // carol's network is no longer campus: her relay would have been refused (she had no POP login)
        var narrower = Replay(TimeSpan.FromMinutes(5), inside: [IPNetwork.Parse("192.168.0.0/16")]);
        Assert.Equal(new WhatIfChange("carol", "10.1.2.3", 1, 0), Assert.Single(narrower.Changes));
        Assert.Equal(0, narrower.Changes.Count(c => c.Account == "dave")); // AUTH does not depend on the zone
    }

    [Fact]
    public void Since_limits_the_relay_decisions_not_the_logins_that_earned_grants()
    {
        var report = Replay(TimeSpan.FromMinutes(2), since: T0.AddMinutes(3));
        Assert.Equal((4, 1), (report.Relayed, report.WouldBeRefused));
    }
}
