using System.Xml.Linq;
using MailActors.Policy;

namespace MailActors.Host.Web;

/// <summary>
/// Thunderbird's <c>config-v1.1.xml</c> (the "clientConfig" format of Thunderbird's autoconfiguration, docs/spec.md §16):
/// POP3 over SSL on 995 first, APOP on 11110 (<c>password-encrypted</c>) second; SMTP over SSL on 465, then 587 with
/// STARTTLS. The user name is the address's local part. Thunderbird offers the first server of each kind and falls back
/// to the later ones.
/// </summary>
public static class ThunderbirdAutoconfig
{
    public static XDocument For(MailSite site, IReadOnlyList<string> domains)
    {
        var provider = new XElement("emailProvider", new XAttribute("id", domains[0]));
        foreach (var domain in domains) provider.Add(new XElement("domain", domain));
        provider.Add(new XElement("displayName", site.Hostname), new XElement("displayShortName", domains[0]));
        if (site.Enabled(ListenerKind.Pop3s)) provider.Add(Server("incomingServer", "pop3", site, ListenerKind.Pop3s, "SSL", "password-cleartext"));
        if (site.Enabled(ListenerKind.Apop)) provider.Add(Server("incomingServer", "pop3", site, ListenerKind.Apop, "plain", "password-encrypted"));
        if (site.Enabled(ListenerKind.Submissions)) provider.Add(Server("outgoingServer", "smtp", site, ListenerKind.Submissions, "SSL", "password-cleartext"));
        if (site.Enabled(ListenerKind.Submission)) provider.Add(Server("outgoingServer", "smtp", site, ListenerKind.Submission, "STARTTLS", "password-cleartext"));
        if (site.Enabled(ListenerKind.Web) || site.Enabled(ListenerKind.Webs))
            provider.Add(new XElement("documentation", new XAttribute("url", site.Enabled(ListenerKind.Webs) ? site.WebsUrl("/") : $"http://{site.Hostname}/"),
                new XElement("descr", new XAttribute("lang", "en"), HelpTexts.English.Title(site.Hostname)),
                new XElement("descr", new XAttribute("lang", "ja"), HelpTexts.Japanese.Title(site.Hostname))));
        return new XDocument(new XDeclaration("1.0", "UTF-8", null), new XElement("clientConfig", new XAttribute("version", "1.1"), provider));
    }

    private static XElement Server(string element, string type, MailSite site, ListenerKind listener, string socketType, string authentication) =>
        new(element, new XAttribute("type", type),
            new XElement("hostname", site.Hostname),
            new XElement("port", site.Port(listener)),
            new XElement("socketType", socketType),
            new XElement("username", "%EMAILLOCALPART%"),
            new XElement("authentication", authentication));
}
