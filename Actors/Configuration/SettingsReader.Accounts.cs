using Akka.Configuration;

namespace MailActors.Configuration;

public static partial class SettingsReader
{
    /// <summary>The most a verified credential or a directory lookup may be remembered (docs/spec.md §4).</summary>
    public static readonly TimeSpan MaxDirectoryCacheTtl = TimeSpan.FromMinutes(5);

    private static AccountSourceSettings AccountSources(Config c)
    {
        var source = Str(c, "accounts.source").ToLowerInvariant() switch
        {
            "local" => AccountSource.Local,
            "ldap" => AccountSource.Ldap,
            var other => throw new ConfigurationError($"mailactors.accounts.source: unknown source \"{other}\" (use \"local\" or \"ldap\")"),
        };
        return source == AccountSource.Local ? AccountSourceSettings.Local : new AccountSourceSettings(source, Ldap(c));
    }

    private static LdapSettings Ldap(Config c)
    {
        var urlText = Required(c, "accounts.ldap.url");
        if (!Uri.TryCreate(urlText, UriKind.Absolute, out var url) || url.Scheme is not ("ldap" or "ldaps") || url.Host.Length == 0)
            throw new ConfigurationError($"mailactors.accounts.ldap.url: \"{urlText}\" is not ldap://host[:port] or ldaps://host[:port]");

        var bindDn = Str(c, "accounts.ldap.bind-dn");
        var passwordFile = Str(c, "accounts.ldap.bind-password-file");
        if (bindDn.Length > 0 != passwordFile.Length > 0)
            throw new ConfigurationError("mailactors.accounts.ldap.bind-password-file: set both bind-dn and bind-password-file, or neither (anonymous search)");
        var password = passwordFile.Length == 0 ? "" : ReadPasswordFile(passwordFile);

        var filter = Required(c, "accounts.ldap.user-filter");
        if (!filter.Contains("%u") || !filter.StartsWith('(') || !filter.EndsWith(')'))
            throw new ConfigurationError($"mailactors.accounts.ldap.user-filter: \"{filter}\" must be a parenthesised LDAP filter with %u for the login name, like (&(objectClass=inetOrgPerson)(uid=%u))");

        var startTls = Bool(c, "accounts.ldap.start-tls");
        if (startTls && url.Scheme == "ldaps")
            throw new ConfigurationError("mailactors.accounts.ldap.start-tls: use either ldaps:// or start-tls, not both");
        var caDir = Str(c, "accounts.ldap.ca-dir");
        if (caDir.Length > 0) CheckCaDir(caDir, tls: startTls || url.Scheme == "ldaps");

        var timeout = Duration(c, "accounts.ldap.timeout");
        if (timeout <= TimeSpan.Zero) throw new ConfigurationError("mailactors.accounts.ldap.timeout: must be positive");
        var cacheTtl = Duration(c, "accounts.ldap.cache-ttl");
        if (cacheTtl > MaxDirectoryCacheTtl) throw new ConfigurationError("mailactors.accounts.ldap.cache-ttl: at most 5m (docs/spec.md §4)");

        return new LdapSettings(url, bindDn, password, Required(c, "accounts.ldap.base-dn"), filter,
            Required(c, "accounts.ldap.mail-attribute"), startTls, caDir.Length > 0 ? Path.GetFullPath(caDir) : "",
            timeout, cacheTtl, Positive(c, "accounts.ldap.pool-size"));
    }

    /// <summary>
    /// <c>ca-dir</c> is only read for TLS, and every PEM certificate in it is a CA the directory's certificate may
    /// chain to (docs/operations.md): a folder with none would make every login a temporary failure.
    /// </summary>
    private static void CheckCaDir(string caDir, bool tls)
    {
        if (!tls)
            throw new ConfigurationError("mailactors.accounts.ldap.ca-dir: set for a directory reached without TLS; use an ldaps:// url or start-tls = on");
        if (!Directory.Exists(caDir)) throw new ConfigurationError($"mailactors.accounts.ldap.ca-dir: no such folder: {caDir}");
        var hasCertificate = Directory.EnumerateFiles(caDir).Any(file =>
        {
            try { return File.ReadAllText(file).Contains("-----BEGIN CERTIFICATE-----"); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
        });
        if (!hasCertificate)
            throw new ConfigurationError($"mailactors.accounts.ldap.ca-dir: no readable PEM certificate in {caDir} (put the directory's CA certificate there)");
    }

    /// <summary>The service account's password: the file's content with one trailing newline removed (docs/spec.md §4).</summary>
    private static string ReadPasswordFile(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationError($"mailactors.accounts.ldap.bind-password-file: cannot read {path} ({e.Message})");
        }
        text = text.EndsWith("\r\n") ? text[..^2] : text.EndsWith('\n') ? text[..^1] : text;
        return text.Length > 0 ? text : throw new ConfigurationError($"mailactors.accounts.ldap.bind-password-file: {path} is empty");
    }

    private static string Required(Config c, string key)
    {
        var value = Str(c, key).Trim();
        return value.Length > 0 ? value : throw new ConfigurationError($"mailactors.{key}: required when accounts.source = \"ldap\"");
    }
}
