using System.Net;
using MailActors.Policy;

namespace MailActors.Configuration;

/// <summary>Everything under <c>mailactors { }</c>, read once at start (SPEC 11).</summary>
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
    string AdminHttp)
{
    public int PortOf(ListenerKind kind) => Listeners[kind].Port;
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
    TimeSpan ShutdownGrace);

public sealed record AuthFailureSettings(
    int PerAddress,
    int PerAccount,
    TimeSpan Window,
    TimeSpan Block,
    TimeSpan FirstDelay,
    TimeSpan MaxDelay);
