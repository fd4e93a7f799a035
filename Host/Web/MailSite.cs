using MailActors.Configuration;
using MailActors.Policy;

namespace MailActors.Host.Web;

/// <summary>
/// What a user's client needs to know about this server, from the running configuration: the host name, the ports
/// clients must use (port-offset applied, docs/spec.md §16), the local domains and the POP-before-SMTP window.
/// The help page, the autoconfiguration documents and <c>mailactors dns</c> all read it.
/// </summary>
/// <param name="policy">the policy this node enforces now (docs/spec.md §2: it changes with <c>policy reload</c>, without a
/// restart); the configuration's own, where no node runs (<c>mailactors dns</c>).</param>
public sealed class MailSite(MailActorsSettings settings, Func<LivePolicy> policy)
{
    public MailSite(MailActorsSettings settings) : this(settings, () => LivePolicy.FromSettings(settings)) { }

    public string Hostname => settings.Hostname;
    public IReadOnlyList<string> Domains => settings.LocalDomains;
    public TimeSpan Window => policy().GrantWindow;
    public bool StlsOutside => policy().AllowStlsOutside;

    public int Port(ListenerKind kind) => settings.PortOf(kind);
    public bool Enabled(ListenerKind kind) => settings.Listeners[kind].Enabled;

    public bool IsLocalDomain(string domain) => Domains.Contains(domain.ToLowerInvariant());

    /// <summary>A URL on the <c>webs</c> listener, built from <c>hostname</c> and its port (never from the request's Host header).</summary>
    public string WebsUrl(string pathAndQuery)
    {
        var port = Port(ListenerKind.Webs);
        return port == 443 ? $"https://{Hostname}{pathAndQuery}" : $"https://{Hostname}:{port}{pathAndQuery}";
    }

    /// <summary>The domain of an address of a local domain, and its local part; null for anything else.</summary>
    public (string LocalPart, string Domain)? LocalAddress(string? address)
    {
        if (string.IsNullOrWhiteSpace(address) || address.Length > 254) return null;
        var at = address.LastIndexOf('@');
        if (at <= 0 || at == address.Length - 1) return null;
        var local = address[..at];
        var domain = address[(at + 1)..].ToLowerInvariant();
        if (!IsLocalDomain(domain) || local.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c is '<' or '>' or '"' or '&')) return null;
        return (local, domain);
    }
}
