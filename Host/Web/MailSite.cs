using MailActors.Configuration;
using MailActors.Policy;

namespace MailActors.Host.Web;

/// <summary>
/// What a user's client needs to know about this server, from the running configuration: the host name, the ports
/// clients must use (port-offset applied, docs/spec.md §16), the local domains and the POP-before-SMTP window.
/// The help page, the autoconfiguration documents and <c>mailactors dns</c> all read it.
/// </summary>
public sealed class MailSite(MailActorsSettings settings)
{
    public string Hostname => settings.Hostname;
    public IReadOnlyList<string> Domains => settings.LocalDomains;
    public TimeSpan Window => settings.PopBeforeSmtp.Window;
    public bool StlsOutside => settings.Policy.AllowStlsOutside;

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
