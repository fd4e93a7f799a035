using System.Globalization;
using System.Net;
using MailActors.Configuration;

namespace MailActors.Policy;

/// <summary>
/// The live policy (docs/spec.md §2, 3, 11): the policy keys of the configuration, as the policy singleton owns them and
/// every node enforces them. <paramref name="Version"/> counts the changes: 0 is a node's own configuration before it has
/// heard from the singleton, 1 the configuration the singleton adopted on its first start. Networks are kept as CIDR text,
/// which is what crosses the network and the journal.
/// </summary>
public sealed record LivePolicy(
    long Version,
    IReadOnlyList<string> Internal,
    IReadOnlyList<string> Dialup,
    IReadOnlyList<string> TrustedProxies,
    TimeSpan GrantWindow,
    int Ipv6Prefix,
    bool BindSender,
    bool AllowStlsOutside)
{
    /// <summary>The policy keys, in the order <c>policy show</c> prints them.</summary>
    public static readonly IReadOnlyList<string> Keys =
    [
        "networks.internal", "networks.dialup", "networks.trusted-proxies",
        "pop-before-smtp.window", "pop-before-smtp.ipv6-prefix", "pop-before-smtp.bind-sender",
        "policy.allow-stls-outside",
    ];

    public static LivePolicy FromSettings(MailActorsSettings settings, long version = 0) => new(
        version,
        Texts(settings.Networks.Internal), Texts(settings.Networks.Dialup), Texts(settings.Networks.TrustedProxies),
        settings.PopBeforeSmtp.Window, settings.PopBeforeSmtp.Ipv6Prefix, settings.PopBeforeSmtp.BindSender,
        settings.Policy.AllowStlsOutside);

    /// <summary>Parsed networks; call only on a policy that passed <see cref="Problems"/> (every stored or replicated one did).</summary>
    public NetworkSettings Networks() => new(Parse(Internal), Parse(Dialup), Parse(TrustedProxies));

    /// <summary>Each key with its value written as HOCON (<c>["10.0.0.0/8"]</c>, <c>5m</c>, <c>64</c>, <c>on</c>).</summary>
    public IReadOnlyList<(string Key, string Value)> Settings() =>
    [
        ("networks.internal", List(Internal)),
        ("networks.dialup", List(Dialup)),
        ("networks.trusted-proxies", List(TrustedProxies)),
        ("pop-before-smtp.window", Duration(GrantWindow)),
        ("pop-before-smtp.ipv6-prefix", Ipv6Prefix.ToString(CultureInfo.InvariantCulture)),
        ("pop-before-smtp.bind-sender", OnOff(BindSender)),
        ("policy.allow-stls-outside", OnOff(AllowStlsOutside)),
    ];

    /// <summary>What differs from <paramref name="other"/>, key by key (the version aside).</summary>
    public IReadOnlyList<PolicyChange> ChangesTo(LivePolicy other) =>
        Settings().Zip(other.Settings())
            .Where(pair => pair.First.Value != pair.Second.Value)
            .Select(pair => new PolicyChange(pair.First.Key, pair.First.Value, pair.Second.Value))
            .ToList();

    /// <summary>
    /// What is wrong with a policy that arrived from outside (the admin endpoint), one line per bad key, in the words
    /// start-up uses (<see cref="SettingsReader"/>). Empty: it can be enforced.
    /// </summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        foreach (var (key, networks) in new[] { ("networks.internal", Internal), ("networks.dialup", Dialup), ("networks.trusted-proxies", TrustedProxies) })
        {
            if (networks is null) { problems.Add($"mailactors.{key}: missing"); continue; }
            foreach (var text in networks)
                if (SettingsReader.ParseNetwork(key, text ?? "") is { Error: { } error }) problems.Add(error);
        }
        if (GrantWindow < TimeSpan.Zero) problems.Add("mailactors.pop-before-smtp.window: must not be negative");
        if (SettingsReader.Ipv6PrefixProblem(Ipv6Prefix) is { } prefix) problems.Add(prefix);
        return problems;
    }

    private static List<string> Texts(IEnumerable<IPNetwork> networks) => networks.Select(n => n.ToString()).ToList();

    private static List<IPNetwork> Parse(IEnumerable<string> texts) => texts.Select(IPNetwork.Parse).ToList();

    private static string List(IEnumerable<string> items) => "[" + string.Join(", ", items.Select(i => $"\"{i}\"")) + "]";

    private static string OnOff(bool value) => value ? "on" : "off";

    /// <summary>The largest whole unit HOCON reads back to the same span.</summary>
    public static string Duration(TimeSpan span) =>
        span.Ticks % TimeSpan.TicksPerMillisecond != 0 ? $"{span.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)}ms"
        : span == TimeSpan.Zero ? "0s"
        : span.Ticks % TimeSpan.TicksPerHour == 0 ? $"{(long)span.TotalHours}h"
        : span.Ticks % TimeSpan.TicksPerMinute == 0 ? $"{(long)span.TotalMinutes}m"
        : span.Ticks % TimeSpan.TicksPerSecond == 0 ? $"{(long)span.TotalSeconds}s"
        : $"{(long)span.TotalMilliseconds}ms";
}

/// <summary>One policy key that changed, with its old and new value as HOCON text.</summary>
public sealed record PolicyChange(string Key, string From, string To);
