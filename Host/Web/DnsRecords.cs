using MailActors.Configuration;
using MailActors.Policy;

namespace MailActors.Host.Web;

/// <summary>
/// The DNS records to publish for each local domain (docs/spec.md §16, <c>mailactors dns</c>), as zone-file lines: MX,
/// the SRV records of RFC 6186 and RFC 8314 with the ports clients must use (implicit TLS preferred, a switched-off
/// service published as "not offered"), the <c>autoconfig</c> and <c>autodiscover</c> names, and SPF.
/// </summary>
public static class DnsRecords
{
    public static IReadOnlyList<string> For(MailActorsSettings settings)
    {
        var site = new MailSite(settings);
        var host = settings.Hostname.TrimEnd('.') + ".";
        var lines = new List<string>
        {
            $"; DNS records for the mail server {settings.Hostname} (mailactors dns); names are absolute.",
            $"; {host} itself needs A and/or AAAA records for the server's public addresses.",
        };
        if (site.Port(ListenerKind.Smtp) != 25)
            lines.Add($"; note: other servers deliver to port 25 only; this configuration listens for SMTP on {site.Port(ListenerKind.Smtp)}.");
        foreach (var domain in settings.LocalDomains)
        {
            var zone = domain.TrimEnd('.') + ".";
            lines.Add("");
            lines.Add($"; {domain}");
            lines.Add(Line(zone, "MX", $"10 {host}"));
            lines.Add(Srv("_pop3s._tcp." + zone, 0, site, ListenerKind.Pop3s, host));
            lines.Add(Srv("_pop3._tcp." + zone, 10, site, ListenerKind.Pop3, host));
            lines.Add(Srv("_submissions._tcp." + zone, 0, site, ListenerKind.Submissions, host));
            lines.Add(Srv("_submission._tcp." + zone, 10, site, ListenerKind.Submission, host));
            // no IMAP here: say so, so that clients do not probe for it (RFC 6186 §4)
            lines.Add(Line("_imaps._tcp." + zone, "SRV", "0 0 0 ."));
            lines.Add(Line("_imap._tcp." + zone, "SRV", "0 0 0 ."));
            if (site.Enabled(ListenerKind.Web) || site.Enabled(ListenerKind.Webs))
            {
                lines.Add(Line("autoconfig." + zone, "CNAME", host));
                lines.Add(Line("autodiscover." + zone, "CNAME", host));
            }
            lines.Add(Line(zone, "TXT", Spf(settings)));
        }
        if (site.Enabled(ListenerKind.Web) && site.Port(ListenerKind.Web) != 80 || site.Enabled(ListenerKind.Webs) && site.Port(ListenerKind.Webs) != 443)
        {
            lines.Add("");
            lines.Add($"; note: clients look for autoconfig on port 80 and autodiscover on 443; this configuration serves them on " +
                      $"{site.Port(ListenerKind.Web)} and {site.Port(ListenerKind.Webs)} (see docs/onboarding.md for a front web server).");
        }
        return lines;
    }

    private static string Srv(string name, int priority, MailSite site, ListenerKind listener, string host) =>
        site.Enabled(listener)
            ? Line(name, "SRV", $"{priority} 1 {site.Port(listener)} {host}")
            : Line(name, "SRV", "0 0 0 .");

    /// <summary>Mail leaves from this host, or through the smarthost when one is set.</summary>
    private static string Spf(MailActorsSettings settings)
    {
        var senders = settings.Relay.Smarthost?.Host switch
        {
            null => "mx",
            var literal when System.Net.IPAddress.TryParse(literal, out var ip) =>
                $"mx ip{(ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 6 : 4)}:{literal}",
            var name => $"mx a:{name}",
        };
        return $"\"v=spf1 {senders} -all\"";
    }

    private static string Line(string name, string type, string data) => $"{name,-40} IN {type,-5} {data}";
}
