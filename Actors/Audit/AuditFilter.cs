using System.Net;
using System.Text.Json.Nodes;
using MailActors.Serialization;

namespace MailActors.Audit;

/// <summary>
/// Which facts <c>mailactors audit</c> prints: <c>--since</c> (inclusive), <c>--until</c> (exclusive),
/// <c>--ip</c> (the fact's address, or the grant's IPv4 address or IPv6 prefix that holds it),
/// <c>--user</c> (the account), <c>--kind</c> (a kind, or a family such as <c>grant</c> or <c>auth</c>).
/// </summary>
public sealed record AuditFilter(
    DateTime? Since = null, DateTime? Until = null, IPAddress? Ip = null, string? User = null, IReadOnlyList<string>? Kinds = null)
{
    public bool Matches(AuditEntry entry)
    {
        if (entry.Link is null) return false;
        if (Since is { } since && entry.At < since) return false;
        if (Until is { } until && entry.At >= until) return false;
        if (!KindSelected(entry.Kind)) return false;
        if (User is null && Ip is null) return true;
        var fields = entry.Fields();
        if (User is { } user && !string.Equals(Text(fields, "account"), user, StringComparison.OrdinalIgnoreCase)) return false;
        if (Ip is { } ip && !Covers(Text(fields, "address"), ip) && !Covers(Text(fields, "key"), ip)) return false;
        return true;
    }

    /// <summary>The fact types that <c>--kind</c> selects (null: every kind), so that the journal need hand over no others.</summary>
    public IReadOnlyCollection<Type>? Facts => Kinds is { Count: > 0 } ? FactCodec.TypesOf(KindSelected) : null;

    private bool KindSelected(string kind) =>
        Kinds is not { Count: > 0 } kinds || kinds.Any(k => kind == k || kind.StartsWith(k + "-", StringComparison.Ordinal));

    private static string? Text(JsonObject fields, string name) =>
        fields.TryGetPropertyValue(name, out var value) && value is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    /// <summary>An address equal to <paramref name="ip"/>, or a prefix (an IPv6 grant key) that contains it.</summary>
    public static bool Covers(string? addressOrPrefix, IPAddress ip)
    {
        if (addressOrPrefix is null) return false;
        if (IPAddress.TryParse(addressOrPrefix, out var address)) return Normal(address).Equals(Normal(ip));
        return IPNetwork.TryParse(addressOrPrefix, out var network) && network.Contains(Normal(ip));
    }

    private static IPAddress Normal(IPAddress a) => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;
}
