using System.Net;
using MailActors.Policy;

namespace MailActors.Configuration;

/// <summary>Everything under <c>mailactors { }</c>, read once at start (docs/spec.md §11).</summary>
public sealed record MailActorsSettings(
    string Hostname,
    string DataDir,
    IReadOnlyList<string> LocalDomains,
    IPAddress BindAddress,
    NetworkSettings Networks,
    IReadOnlyDictionary<ListenerKind, ListenerSettings> Listeners,
    PolicySettings Policy,
    PopBeforeSmtpSettings PopBeforeSmtp,
    TlsFileSettings Tls,
    StorageSettings Storage,
    string ApopKeyFile,
    LimitSettings Limits,
    string AdminHttp,
    RelaySettings Relay,
    ClusterTlsSettings ClusterTls,
    AuditSettings Audit)
{
    public int PortOf(ListenerKind kind) => Listeners[kind].Port;

    public AccountSourceSettings Accounts { get; init; } = AccountSourceSettings.Local;

    /// <summary>docs/spec.md §4: the quota of an account without its own.</summary>
    public Quotas.Quota DefaultQuota { get; init; } = Quotas.Quota.Unlimited;
}

public sealed record NetworkSettings(
    IReadOnlyList<IPNetwork> Internal,
    IReadOnlyList<IPNetwork> Dialup,
    IReadOnlyList<IPNetwork> TrustedProxies);

/// <summary>A listener's port already includes <c>port-offset</c>.</summary>
public sealed record ListenerSettings(bool Enabled, int Port);

public sealed record PolicySettings(bool AllowStlsOutside);

public sealed record PopBeforeSmtpSettings(TimeSpan Window, int Ipv6Prefix, bool BindSender);

/// <summary>Empty paths mean: generate a root CA and server certificate under data-dir/tls.</summary>
public sealed record TlsFileSettings(string Certificate, string Key)
{
    public bool Generated => Certificate.Length == 0;
}

/// <summary>Akka remoting over mutual TLS (docs/spec.md §15): the cluster CA every peer must chain to, this node's certificate and key.</summary>
public sealed record ClusterTlsSettings(bool Enabled, string Ca, string Certificate, string Key);

public enum StorageProvider { Sqlite, PostgreSql }

public sealed record StorageSettings(StorageProvider Provider, string ConnectionString);

public sealed record LimitSettings(
    long MaxMessageSize,
    int MaxRecipients,
    int MaxConnectionsPerAddress,
    int MaxConnections,
    TimeSpan IdleTimeout,
    int MaxLineLength,
    AuthFailureSettings AuthFailures,
    TimeSpan ShutdownGrace,
    TimeSpan DataTimeout,
    int MaxHops,
    int DataInMemory,
    TimeSpan TlsHandshakeTimeout,
    long CommitMemory,
    TimeSpan CommitWait);

public sealed record AuthFailureSettings(
    int PerAddress,
    int PerAccount,
    TimeSpan Window,
    TimeSpan Block,
    TimeSpan FirstDelay,
    TimeSpan MaxDelay,
    TimeSpan KnownAddressFor);

/// <summary>
/// Outbound delivery (docs/spec.md §10). <c>Smarthost</c> is null when mail goes by MX. <c>Routes</c> (domain → next hop,
/// like Postfix's transport map) and the rest are extensions of docs/spec.md §11 with defaults in hocon/mailactors.conf.
/// </summary>
public sealed record RelaySettings(
    NextHop? Smarthost,
    IReadOnlyList<TimeSpan> RetrySchedule,
    TimeSpan GiveUpAfter,
    IReadOnlyDictionary<string, NextHop> Routes,
    int ConnectionsPerDestination,
    TimeSpan PollInterval,
    TimeSpan Lease,
    TimeSpan CommandTimeout);

/// <summary>A host (name or address) and TCP port to deliver to.</summary>
public sealed record NextHop(string Host, int Port)
{
    public const int DefaultPort = 25;

    /// <summary>"host" or "host:port" ("[v6]:port" for an IPv6 literal with a port); null when it is neither.</summary>
    public static NextHop? Parse(string text)
    {
        text = text.Trim();
        if (text.Length == 0) return null;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']');
            if (close < 0) return null;
            var host = text[1..close];
            var rest = text[(close + 1)..];
            if (!IPAddress.TryParse(host, out _)) return null;
            if (rest.Length == 0) return new NextHop(host, DefaultPort);
            return rest.StartsWith(':') && int.TryParse(rest[1..], out var p6) && p6 is > 0 and <= 65535 ? new NextHop(host, p6) : null;
        }
        if (IPAddress.TryParse(text, out var literal) && literal.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
            return new NextHop(text, DefaultPort);
        var colon = text.LastIndexOf(':');
        var name = colon < 0 ? text : text[..colon];
        var port = DefaultPort;
        if (colon >= 0 && !(int.TryParse(text[(colon + 1)..], out port) && port is > 0 and <= 65535)) return null;
        return Uri.CheckHostName(name) is UriHostNameType.Dns or UriHostNameType.IPv4 ? new NextHop(name, port) : null;
    }

    public override string ToString() => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}

/// <summary>Signed checkpoints of the audit streams (docs/spec.md §8): how often, and the JSON-lines file they go to.</summary>
public sealed record AuditSettings(TimeSpan CheckpointInterval, string CheckpointFile, string SigningKeyFile);
