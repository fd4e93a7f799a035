using System.Net;
using Akka.Configuration;
using MailActors.Policy;

namespace MailActors.Configuration;

/// <summary>Turns the merged HOCON tree into <see cref="MailActorsSettings"/>, naming the key of any bad value.</summary>
public static partial class SettingsReader
{
    public static MailActorsSettings Read(Config root, int? portOffsetOverride = null)
    {
        var c = root.GetConfig("mailactors") ?? throw new ConfigurationError("missing section: mailactors");
        var portOffset = portOffsetOverride ?? Int(c, "port-offset");
        var dataDir = Path.GetFullPath(Str(c, "data-dir"));

        var listeners = Enum.GetValues<ListenerKind>().ToDictionary(
            kind => kind,
            kind =>
            {
                var key = $"listeners.{ListenerNames.Of(kind)}";
                var port = Int(c, key + ".port") + portOffset;
                if (port is < 0 or > 65535)
                    throw new ConfigurationError($"mailactors.{key}.port: {port} (with port-offset {portOffset}) is not a TCP port");
                return new ListenerSettings(Bool(c, key + ".enabled"), port);
            });

        var provider = Str(c, "storage.provider").ToLowerInvariant() switch
        {
            "sqlite" => StorageProvider.Sqlite,
            "postgresql" or "postgres" => StorageProvider.PostgreSql,
            var other => throw new ConfigurationError(
                $"mailactors.storage.provider: unknown provider \"{other}\" (use \"sqlite\" or \"postgresql\")"),
        };
        var connectionString = Str(c, "storage.connection-string");
        if (provider == StorageProvider.PostgreSql && connectionString.Length == 0)
            throw new ConfigurationError("mailactors.storage.connection-string: required when storage.provider = \"postgresql\"");

        var apopKey = Str(c, "accounts.apop-key-file");
        var tls = new TlsFileSettings(Str(c, "tls.certificate"), Str(c, "tls.key"));
        if (tls.Certificate.Length > 0 != tls.Key.Length > 0)
            throw new ConfigurationError("mailactors.tls: set both certificate and key, or neither");

        var domains = List(c, "local-domains").Select(d => d.ToLowerInvariant()).ToList();
        if (domains.Count == 0) throw new ConfigurationError("mailactors.local-domains: name at least one domain");

        var hostname = Str(c, "hostname");
        if (Uri.CheckHostName(hostname) != UriHostNameType.Dns)
            throw new ConfigurationError($"mailactors.hostname: \"{hostname}\" is not a host name");

        return new MailActorsSettings(
            Hostname: hostname,
            DataDir: dataDir,
            LocalDomains: domains,
            BindAddress: Address(c, "bind-address"),
            Networks: new NetworkSettings(
                Networks(c, "networks.internal"), Networks(c, "networks.dialup"), Networks(c, "networks.trusted-proxies")),
            Listeners: listeners,
            Policy: new PolicySettings(Bool(c, "policy.allow-stls-outside")),
            PopBeforeSmtp: new PopBeforeSmtpSettings(
                Duration(c, "pop-before-smtp.window"), Ipv6Prefix(c), Bool(c, "pop-before-smtp.bind-sender")),
            Tls: tls,
            Storage: new StorageSettings(provider, connectionString),
            ApopKeyFile: apopKey.Length > 0 ? Path.GetFullPath(apopKey) : Path.Combine(dataDir, "keys", "apop.key"),
            Limits: new LimitSettings(
                MaxMessageSize: Bytes(c, "limits.max-message-size"),
                MaxRecipients: Positive(c, "limits.max-recipients"),
                MaxConnectionsPerAddress: Positive(c, "limits.max-connections-per-address"),
                MaxConnections: NotNegative(c, "limits.max-connections"),
                IdleTimeout: Duration(c, "limits.idle-timeout"),
                MaxLineLength: Positive(c, "limits.max-line-length"),
                AuthFailures: new AuthFailureSettings(
                    Positive(c, "limits.auth-failures.per-address"),
                    Positive(c, "limits.auth-failures.per-account"),
                    Duration(c, "limits.auth-failures.window"),
                    Duration(c, "limits.auth-failures.block"),
                    Duration(c, "limits.auth-failures.first-delay"),
                    Duration(c, "limits.auth-failures.max-delay"),
                    Duration(c, "limits.auth-failures.known-address-for")),
                ShutdownGrace: Duration(c, "limits.shutdown-grace"),
                DataTimeout: Duration(c, "limits.data-timeout"),
                MaxHops: Positive(c, "limits.max-hops"),
                DataInMemory: (int)Math.Min(Bytes(c, "limits.data-in-memory"), 16 * 1024 * 1024),
                TlsHandshakeTimeout: AtLeastOneSecond(c, "limits.tls-handshake-timeout"),
                CommitMemory: Bytes(c, "limits.commit-memory"),
                CommitWait: Duration(c, "limits.commit-wait")),
            AdminHttp: Str(c, "admin.http"),
            Relay: Relay(c),
            ClusterTls: ClusterTls(c, dataDir),
            Audit: Audit(c, dataDir))
        {
            Accounts = AccountSources(c),
            DefaultQuota = new Quotas.Quota(Bytes(c, "accounts.default-quota.size"), NotNegative(c, "accounts.default-quota.messages")),
        };
    }

    /// <summary>Whether the files exist is checked when a node starts (the CLI makes them with these same settings).</summary>
    private static ClusterTlsSettings ClusterTls(Config c, string dataDir)
    {
        var dir = Path.Combine(dataDir, "tls", "cluster");
        string PathOr(string key, string fallback) => Str(c, key) is { Length: > 0 } set ? Path.GetFullPath(set) : Path.Combine(dir, fallback);
        return new ClusterTlsSettings(Bool(c, "cluster.tls.enabled"), PathOr("cluster.tls.ca", "ca.pem"),
            PathOr("cluster.tls.certificate", "node.pem"), PathOr("cluster.tls.key", "node-key.pem"));
    }

    private static AuditSettings Audit(Config c, string dataDir)
    {
        var interval = Duration(c, "audit.checkpoint-interval");
        if (interval < TimeSpan.FromSeconds(1)) throw new ConfigurationError("mailactors.audit.checkpoint-interval: must be at least 1s");
        var file = Str(c, "audit.checkpoint-file");
        return new AuditSettings(interval, file.Length > 0 ? Path.GetFullPath(file) : Path.Combine(dataDir, "audit-checkpoints.jsonl"),
            Path.Combine(dataDir, "keys", "audit-signing.pem"));
    }

    private static RelaySettings Relay(Config c)
    {
        var smarthostText = Str(c, "relay.smarthost");
        NextHop? smarthost = null;
        if (smarthostText.Trim().Length > 0)
            smarthost = NextHop.Parse(smarthostText)
                        ?? throw new ConfigurationError($"mailactors.relay.smarthost: \"{smarthostText}\" is not \"host\" or \"host:port\"");
        var schedule = Guard("relay.retry-schedule", () => c.HasPath("relay.retry-schedule")
            ? c.GetStringList("relay.retry-schedule").Select(t => ConfigurationFactory.ParseString("d = " + t).GetTimeSpan("d", allowInfinite: false)).ToList()
            : throw Missing("relay.retry-schedule"));
        if (schedule.Count == 0 || schedule.Any(d => d <= TimeSpan.Zero))
            throw new ConfigurationError("mailactors.relay.retry-schedule: name at least one positive duration, like [1m, 5m, 15m]");
        var routes = new Dictionary<string, NextHop>(StringComparer.OrdinalIgnoreCase);
        if (c.HasPath("relay.routes"))
        {
            var section = c.GetConfig("relay.routes");
            foreach (var entry in section.Root.GetObject().Items)
            {
                var text = entry.Value.GetString() ?? "";
                routes[entry.Key.Trim('"').TrimEnd('.')] = NextHop.Parse(text)
                    ?? throw new ConfigurationError($"mailactors.relay.routes.{entry.Key}: \"{text}\" is not \"host\" or \"host:port\"");
            }
        }
        var lease = Duration(c, "relay.lease");
        if (lease < TimeSpan.FromSeconds(1)) throw new ConfigurationError("mailactors.relay.lease: must be at least 1s");
        var poll = Duration(c, "relay.poll-interval");
        if (poll <= TimeSpan.Zero) throw new ConfigurationError("mailactors.relay.poll-interval: must be positive");
        return new RelaySettings(smarthost, schedule, Duration(c, "relay.give-up-after"), routes,
            Positive(c, "relay.connections-per-destination"), poll, lease, Duration(c, "relay.command-timeout"));
    }

    private static string Str(Config c, string key) =>
        Guard(key, () => c.HasPath(key) ? c.GetString(key) ?? "" : throw Missing(key));

    private static int Int(Config c, string key) =>
        Guard(key, () => c.HasPath(key) ? c.GetInt(key) : throw Missing(key));

    private static int Positive(Config c, string key)
    {
        var value = Int(c, key);
        return value > 0 ? value : throw new ConfigurationError($"mailactors.{key}: must be a positive number, not {value}");
    }

    private static int NotNegative(Config c, string key)
    {
        var value = Int(c, key);
        return value >= 0 ? value : throw new ConfigurationError($"mailactors.{key}: must not be negative, not {value}");
    }

    private static bool Bool(Config c, string key) =>
        Guard(key, () => c.HasPath(key) ? c.GetBoolean(key) : throw Missing(key));

    private static TimeSpan Duration(Config c, string key)
    {
        var value = Guard(key, () => c.HasPath(key) ? c.GetTimeSpan(key, allowInfinite: false) : throw Missing(key));
        return value >= TimeSpan.Zero ? value : throw new ConfigurationError($"mailactors.{key}: must not be negative");
    }

    private static TimeSpan AtLeastOneSecond(Config c, string key) =>
        Duration(c, key) is var value && value >= TimeSpan.FromSeconds(1) ? value : throw new ConfigurationError($"mailactors.{key}: must be at least 1s");

    private static long Bytes(Config c, string key) =>
        Guard(key, () => c.HasPath(key) ? c.GetByteSize(key) ?? throw Missing(key) : throw Missing(key));

    private static IReadOnlyList<string> List(Config c, string key) =>
        Guard(key, () => c.HasPath(key) ? c.GetStringList(key).ToList() : throw Missing(key));

    private static IPAddress Address(Config c, string key)
    {
        var text = Str(c, key);
        return IPAddress.TryParse(text, out var address)
            ? address
            : throw new ConfigurationError($"mailactors.{key}: \"{text}\" is not an IP address");
    }

    private static IReadOnlyList<IPNetwork> Networks(Config c, string key) =>
        List(c, key).Select(text => ParseNetwork(key, text) switch
            {
                { Network: { } network } => network,
                var bad => throw new ConfigurationError(bad.Error!),
            })
            .ToList();

    /// <summary>One entry of a <c>networks.*</c> list (<paramref name="key"/> without <c>mailactors.</c>), or the one-line error start-up gives.</summary>
    public static (IPNetwork? Network, string? Error) ParseNetwork(string key, string text) =>
        IPNetwork.TryParse(text, out var network)
            ? (network, null)
            : (null, $"mailactors.{key}: \"{text}\" is not a CIDR network (like 10.0.0.0/8)");

    private static int Ipv6Prefix(Config c)
    {
        var prefix = Int(c, "pop-before-smtp.ipv6-prefix");
        return Ipv6PrefixProblem(prefix) is { } problem ? throw new ConfigurationError(problem) : prefix;
    }

    /// <summary>A grant's IPv6 key is a prefix of this length (docs/spec.md §7): 0 to 128 bits.</summary>
    public static string? Ipv6PrefixProblem(int prefix) =>
        prefix is >= 0 and <= 128 ? null : $"mailactors.pop-before-smtp.ipv6-prefix: must be 0 to 128, not {prefix}";

    private static ConfigurationError Missing(string key) => new($"mailactors.{key}: missing");

    private static T Guard<T>(string key, Func<T> read)
    {
        try { return read(); }
        catch (ConfigurationError) { throw; }
        catch (Exception e) { throw new ConfigurationError($"mailactors.{key}: {e.Message}"); }
    }
}
