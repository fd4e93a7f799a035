using System.Net;
using MailActors.Configuration;
using MailActors.Smtp;

namespace MailActors.Delivery;

public sealed record MxRecord(int Preference, string Host);

/// <summary>The domain does not exist (NXDOMAIN): a permanent failure.</summary>
public sealed class DnsNameNotFoundException(string name) : Exception($"{name}: no such domain");

/// <summary>The name service did not answer usefully (timeout, SERVFAIL): try again later.</summary>
public sealed class DnsTemporaryFailureException(string message) : Exception(message);

/// <summary>The DNS questions delivery asks; an interface so that the routing rules are tested without a network.</summary>
public interface IMxResolver
{
    /// <summary>The MX records of <paramref name="domain"/>, empty when it has none.</summary>
    /// <exception cref="DnsNameNotFoundException">the domain does not exist.</exception>
    /// <exception cref="DnsTemporaryFailureException">no usable answer now.</exception>
    Task<IReadOnlyList<MxRecord>> LookupMxAsync(string domain, CancellationToken ct);

    /// <summary>The A and AAAA addresses of <paramref name="host"/>, empty when it has none.</summary>
    Task<IReadOnlyList<IPAddress>> LookupAddressesAsync(string host, CancellationToken ct);
}

/// <summary>Where a recipient domain's mail goes: hosts to try in order, or a reason it cannot go anywhere.</summary>
public abstract record Route
{
    public sealed record Hosts(IReadOnlyList<NextHop> Candidates) : Route;

    public sealed record Unroutable(DeliveryOutcome Outcome) : Route;
}

/// <summary>
/// Next-hop selection (docs/spec.md §10): relay.smarthost when set; else relay.routes for the domain; else its MX records by
/// preference (RFC 5321 5.1), falling back to the domain itself when it has no MX but has an address; a null MX
/// (RFC 7505, a single "." record) is a permanent failure. Mail never goes by DNS to this host itself (docs/spec.md
/// §14): where an MX host has one of this host's addresses, only the more preferred ones are tried (RFC 5321 5.1, as a
/// backup MX does), and when none is, the mail fails with <c>5.4.6</c> at once, as Postfix's "loops back to myself",
/// instead of going round until the hop count ends it.
/// </summary>
public sealed class MxRouter(RelaySettings settings, IMxResolver resolver)
{
    /// <summary>The key connections are pooled and limited by: the smarthost, or the domain.</summary>
    public string DestinationOf(string recipientDomain) =>
        settings.Smarthost is { } smarthost ? "smarthost " + smarthost : recipientDomain.ToLowerInvariant();

    public async Task<Route> RouteAsync(string recipientDomain, CancellationToken ct)
    {
        if (settings.Smarthost is { } smarthost) return new Route.Hosts([smarthost]);
        var domain = recipientDomain.TrimEnd('.').ToLowerInvariant();
        if (domain.Length == 0 || (!domain.StartsWith('[') && Uri.CheckHostName(domain) != UriHostNameType.Dns))
            return new Route.Unroutable(new DeliveryOutcome.Failed("5.1.3", $"\"{recipientDomain}\" is not a domain"));
        if (settings.Routes.TryGetValue(domain, out var route)) return new Route.Hosts([route]);
        if (domain.StartsWith('[') && domain.EndsWith(']'))
        {
            return AddressLiteral.Parse(domain) switch
            {
                null => new Route.Unroutable(new DeliveryOutcome.Failed("5.1.2", $"bad address literal {domain}")),
                var own when OwnAddresses.Contains(own) => LoopsBack(domain),
                var address => new Route.Hosts([new NextHop(address.ToString(), NextHop.DefaultPort)]),
            };
        }
        try
        {
            var mx = await resolver.LookupMxAsync(domain, ct);
            if (mx.Count == 1 && IsNullMx(mx[0]))
                return new Route.Unroutable(new DeliveryOutcome.Failed("5.1.10", $"556 5.1.10 {domain} accepts no mail (null MX)"));
            var hosts = mx.Where(r => !IsNullMx(r))
                .OrderBy(r => r.Preference)
                .Select(r => (r.Preference, Hop: new NextHop(r.Host.TrimEnd('.'), NextHop.DefaultPort)))
                .DistinctBy(h => h.Hop.Host.ToLowerInvariant())
                .ToList();
            if (hosts.Count > 0) return await MoreFavouredThanSelfAsync(domain, hosts, ct);
            // No MX: the domain itself is the mail host, if it has an address (RFC 5321 5.1).
            var addresses = await resolver.LookupAddressesAsync(domain, ct);
            if (addresses.Any(OwnAddresses.Contains)) return LoopsBack(domain);
            return addresses.Count > 0
                ? new Route.Hosts([new NextHop(domain, NextHop.DefaultPort)])
                : new Route.Unroutable(new DeliveryOutcome.Failed("5.1.2", $"{domain} has no MX and no address"));
        }
        catch (DnsNameNotFoundException)
        {
            return new Route.Unroutable(new DeliveryOutcome.Failed("5.1.2", $"{domain}: domain not found (NXDOMAIN)"));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // SERVFAIL, a timeout, or anything else the resolver throws: ask again later (give-up still applies).
            return new Route.Unroutable(new DeliveryOutcome.Deferred($"DNS lookup for {domain} failed: {e.Message}"));
        }
    }

    /// <summary>The MX hosts in order, cut before the first that is this host: it would take the mail back.</summary>
    private async Task<Route> MoreFavouredThanSelfAsync(string domain, List<(int Preference, NextHop Hop)> hosts, CancellationToken ct)
    {
        foreach (var (preference, hop) in hosts)
        {
            if (!await IsThisHostAsync(hop.Host, ct)) continue;
            var better = hosts.Where(h => h.Preference < preference).Select(h => h.Hop).ToList();
            return better.Count > 0 ? new Route.Hosts(better) : LoopsBack(domain);
        }
        return new Route.Hosts(hosts.Select(h => h.Hop).ToList());
    }

    private async Task<bool> IsThisHostAsync(string host, CancellationToken ct)
    {
        try
        {
            return (await resolver.LookupAddressesAsync(host, ct)).Any(OwnAddresses.Contains);
        }
        catch (Exception e) when (e is DnsNameNotFoundException or DnsTemporaryFailureException)
        {
            return false; // a host without an address is not this one; connecting to it says what is wrong
        }
    }

    private static Route LoopsBack(string domain) =>
        new Route.Unroutable(new DeliveryOutcome.Failed("5.4.6", $"554 5.4.6 mail for {domain} loops back to this server (its MX or address is this host)"));

    private static bool IsNullMx(MxRecord r) => r.Preference == 0 && r.Host.TrimEnd('.').Length == 0;
}
