using System.Net;
using MailActors.Configuration;
using MailActors.Delivery;

namespace MailActors.Tests.Delivery;

/// <summary>Next-hop rules with a scripted resolver (the DNS answers are the input; no network).</summary>
public sealed class MxRouterTests
{
    private sealed class ScriptedResolver : IMxResolver
    {
        public Dictionary<string, IReadOnlyList<MxRecord>> Mx { get; } = [];
        public Dictionary<string, IReadOnlyList<IPAddress>> Addresses { get; } = [];
        public HashSet<string> Failing { get; } = [];
        public int Questions { get; private set; }

        public Task<IReadOnlyList<MxRecord>> LookupMxAsync(string domain, CancellationToken ct)
        {
            Questions++;
            if (Failing.Contains(domain)) throw new DnsTemporaryFailureException("SERVFAIL");
            if (Mx.TryGetValue(domain, out var records)) return Task.FromResult(records);
            if (Addresses.ContainsKey(domain)) return Task.FromResult<IReadOnlyList<MxRecord>>([]);
            throw new DnsNameNotFoundException(domain);
        }

        public Task<IReadOnlyList<IPAddress>> LookupAddressesAsync(string host, CancellationToken ct) =>
            Task.FromResult(Addresses.TryGetValue(host, out var a) ? a : (IReadOnlyList<IPAddress>)[]);
    }

    private static RelaySettings Relay(NextHop? smarthost = null, Dictionary<string, NextHop>? routes = null) =>
        new(smarthost, [TimeSpan.FromMinutes(1)], TimeSpan.FromDays(5), routes ?? [], 5, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2));

    private readonly ScriptedResolver _dns = new();

    private async Task<IReadOnlyList<string>> HostsFor(string domain, RelaySettings? relay = null) =>
        Assert.IsType<Route.Hosts>(await new MxRouter(relay ?? Relay(), _dns).RouteAsync(domain, default)).Candidates.Select(h => h.ToString()).ToList();

    private async Task<DeliveryOutcome> UnroutableOutcome(string domain) =>
        Assert.IsType<Route.Unroutable>(await new MxRouter(Relay(), _dns).RouteAsync(domain, default)).Outcome;

    [Fact]
    public async Task MX_hosts_are_tried_in_order_of_preference()
    {
        _dns.Mx["remote.test"] = [new(20, "backup.remote.test."), new(5, "mx1.remote.test."), new(10, "mx2.remote.test.")];
        Assert.Equal(["mx1.remote.test:25", "mx2.remote.test:25", "backup.remote.test:25"], await HostsFor("remote.test"));
    }

    [Fact]
    public async Task A_domain_without_MX_but_with_an_address_is_its_own_mail_host()
    {
        _dns.Addresses["plain.test"] = [IPAddress.Parse("192.0.2.7")];
        Assert.Equal(["plain.test:25"], await HostsFor("plain.test"));
    }

    [Fact]
    public async Task A_null_MX_is_a_permanent_failure_without_any_connection()
    {
        _dns.Mx["nomail.test"] = [new(0, ".")];
        var failed = Assert.IsType<DeliveryOutcome.Failed>(await UnroutableOutcome("nomail.test"));
        Assert.Equal("5.1.10", failed.Status);
    }

    [Fact]
    public async Task A_domain_that_does_not_exist_fails_and_one_with_neither_MX_nor_address_fails()
    {
        Assert.Equal("5.1.2", Assert.IsType<DeliveryOutcome.Failed>(await UnroutableOutcome("nowhere.test")).Status);
        _dns.Mx["empty.test"] = [];
        Assert.Equal("5.1.2", Assert.IsType<DeliveryOutcome.Failed>(await UnroutableOutcome("empty.test")).Status);
    }

    [Theory]
    [InlineData("")]
    [InlineData("bad domain")]
    [InlineData("[not-an-address]")]
    public async Task A_recipient_domain_that_is_no_domain_fails_without_a_DNS_question(string domain)
    {
        Assert.IsType<DeliveryOutcome.Failed>(await UnroutableOutcome(domain));
        Assert.Equal(0, _dns.Questions);
    }

    [Fact]
    public async Task An_MX_that_is_this_host_fails_at_once_instead_of_looping_until_the_hop_count()
    {
        _dns.Mx["self.test"] = [new(10, "mx.self.test")];
        _dns.Addresses["mx.self.test"] = [IPAddress.Loopback];
        var failed = Assert.IsType<DeliveryOutcome.Failed>(await UnroutableOutcome("self.test"));
        Assert.Equal("5.4.6", failed.Status);
        Assert.Contains("loops back", failed.Reply);
    }

    [Fact]
    public async Task As_a_backup_MX_this_host_sends_only_to_the_more_preferred_hosts()
    {
        _dns.Mx["backed.test"] = [new(20, "backup.backed.test"), new(10, "primary.backed.test"), new(30, "last.backed.test")];
        _dns.Addresses["primary.backed.test"] = [IPAddress.Parse("192.0.2.10")];
        _dns.Addresses["backup.backed.test"] = [IPAddress.Parse("192.0.2.20"), IPAddress.IPv6Loopback];
        Assert.Equal(["primary.backed.test:25"], await HostsFor("backed.test"));
    }

    [Fact]
    public async Task A_domain_without_MX_whose_address_is_this_host_fails_and_so_does_its_address_literal()
    {
        _dns.Addresses["plain-self.test"] = [IPAddress.Parse("127.0.0.2")];
        Assert.Equal("5.4.6", Assert.IsType<DeliveryOutcome.Failed>(await UnroutableOutcome("plain-self.test")).Status);
        Assert.Equal("5.4.6", Assert.IsType<DeliveryOutcome.Failed>(await UnroutableOutcome("[127.0.0.1]")).Status);
        Assert.Equal(["192.0.2.7:25"], await HostsFor("[192.0.2.7]"));
    }

    [Fact]
    public async Task An_MX_host_without_an_address_is_not_taken_for_this_host()
    {
        _dns.Mx["odd.test"] = [new(10, "gone.odd.test"), new(20, "mx.odd.test")];
        _dns.Addresses["mx.odd.test"] = [IPAddress.Parse("192.0.2.30")];
        Assert.Equal(["gone.odd.test:25", "mx.odd.test:25"], await HostsFor("odd.test"));
    }

    [Fact]
    public async Task A_name_service_failure_defers()
    {
        _dns.Failing.Add("flaky.test");
        Assert.IsType<DeliveryOutcome.Deferred>(await UnroutableOutcome("flaky.test"));
    }

    [Fact]
    public async Task The_smarthost_takes_everything_without_a_DNS_question()
    {
        var relay = Relay(smarthost: NextHop.Parse("relay.campus.test:2525"));
        Assert.Equal(["relay.campus.test:2525"], await HostsFor("remote.test", relay));
        Assert.Equal(0, _dns.Questions);
        Assert.Equal("smarthost relay.campus.test:2525", new MxRouter(relay, _dns).DestinationOf("remote.test"));
    }

    [Fact]
    public async Task A_route_for_the_domain_overrides_its_MX()
    {
        _dns.Mx["routed.test"] = [new(10, "mx.routed.test")];
        var relay = Relay(routes: new() { ["routed.test"] = new NextHop("127.0.0.1", 2526) });
        Assert.Equal(["127.0.0.1:2526"], await HostsFor("ROUTED.test", relay));
    }

    [Theory]
    [InlineData("relay.campus.test", "relay.campus.test", 25)]
    [InlineData("relay.campus.test:2525", "relay.campus.test", 2525)]
    [InlineData("192.0.2.1:587", "192.0.2.1", 587)]
    [InlineData("[2001:db8::1]:2525", "2001:db8::1", 2525)]
    [InlineData("2001:db8::1", "2001:db8::1", 25)]
    public void A_next_hop_is_host_or_host_and_port(string text, string host, int port) =>
        Assert.Equal(new NextHop(host, port), NextHop.Parse(text));

    [Theory]
    [InlineData("relay.campus.test:0")]
    [InlineData("relay.campus.test:99999")]
    [InlineData("relay.campus.test:smtp")]
    [InlineData("bad host")]
    [InlineData("[not-an-address]:25")]
    public void A_malformed_next_hop_is_refused(string text) => Assert.Null(NextHop.Parse(text));
}

/// <summary>relay.* as read from HOCON, with bad values named by key.</summary>
public sealed class RelaySettingsTests
{
    private static MailActors.Configuration.MailActorsSettings Load(string hocon) =>
        MailActors.Host.Configuration.ConfigLoader.Load([], null, hocon).Settings;

    [Fact]
    public void The_defaults_are_SPEC_11s()
    {
        var relay = Load("").Relay;
        Assert.Null(relay.Smarthost);
        Assert.Equal([TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromHours(1), TimeSpan.FromHours(4)], relay.RetrySchedule);
        Assert.Equal(TimeSpan.FromDays(5), relay.GiveUpAfter);
    }

    [Fact]
    public void Smarthost_routes_and_schedule_are_read()
    {
        var relay = Load("""mailactors.relay { smarthost = "relay.campus.test:2525", retry-schedule = [1s, 30s], routes { "lab.test" = "10.1.1.1" } }""").Relay;
        Assert.Equal(new NextHop("relay.campus.test", 2525), relay.Smarthost);
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30)], relay.RetrySchedule);
        Assert.Equal(new NextHop("10.1.1.1", 25), relay.Routes["lab.test"]);
    }

    [Theory]
    [InlineData("""mailactors.relay.smarthost = "relay:smtp" """, "mailactors.relay.smarthost: \"relay:smtp\" is not \"host\" or \"host:port\"")]
    [InlineData("""mailactors.relay.retry-schedule = [] """, "mailactors.relay.retry-schedule: name at least one positive duration, like [1m, 5m, 15m]")]
    [InlineData("""mailactors.relay.routes { "lab.test" = "a b" } """, "mailactors.relay.routes.lab.test: \"a b\" is not \"host\" or \"host:port\"")]
    [InlineData("""mailactors.relay.lease = 10ms """, "mailactors.relay.lease: must be at least 1s")]
    public void A_bad_relay_value_stops_start_up_naming_the_key(string hocon, string message) =>
        Assert.Equal(message, Assert.Throws<ConfigurationError>(() => Load(hocon)).Message);
}
