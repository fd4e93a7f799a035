using System.Xml;
using System.Xml.Linq;
using MailActors.Policy;

namespace MailActors.Host.Web;

/// <summary>
/// Outlook's POX autodiscover (<c>POST /autodiscover/autodiscover.xml</c>, docs/spec.md §16): the request names an
/// <c>EMailAddress</c>; the response (outlook responseschema 2006a) lists POP3 over SSL and SMTP over SSL.
/// </summary>
public static class OutlookAutodiscover
{
    public static readonly XNamespace RequestNs = "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006";
    public static readonly XNamespace ResponseNs = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006";
    public static readonly XNamespace OutlookNs = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a";

    /// <summary>The address the request asks about; null when the body is not such a request (no DTDs, bounded size).</summary>
    public static async Task<string?> ReadRequestAsync(Stream body, int maxBytes)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await body.ReadAsync(chunk)) > 0)
        {
            if (buffer.Length + read > maxBytes) return null;
            buffer.Write(chunk, 0, read);
        }
        buffer.Position = 0;
        try
        {
            using var reader = XmlReader.Create(buffer, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, Async = true });
            var document = await XDocument.LoadAsync(reader, LoadOptions.None, CancellationToken.None);
            return document.Root?.Element(RequestNs + "Request")?.Element(RequestNs + "EMailAddress")?.Value.Trim();
        }
        catch (XmlException)
        {
            return null;
        }
    }

    public static XDocument For(MailSite site, string localPart)
    {
        var account = new XElement(OutlookNs + "Account",
            new XElement(OutlookNs + "AccountType", "email"),
            new XElement(OutlookNs + "Action", "settings"));
        if (site.Enabled(ListenerKind.Pop3s))
            account.Add(Protocol(site, "POP3", ListenerKind.Pop3s, localPart));
        if (site.Enabled(ListenerKind.Submissions))
            account.Add(Protocol(site, "SMTP", ListenerKind.Submissions, localPart, new XElement(OutlookNs + "UsePOPAuth", "on")));
        return new XDocument(new XDeclaration("1.0", "utf-8", null),
            new XElement(ResponseNs + "Autodiscover", new XElement(OutlookNs + "Response", account)));
    }

    private static XElement Protocol(MailSite site, string type, ListenerKind listener, string localPart, params XElement[] more) =>
        new(OutlookNs + "Protocol",
            new XElement(OutlookNs + "Type", type),
            new XElement(OutlookNs + "Server", site.Hostname),
            new XElement(OutlookNs + "Port", site.Port(listener)),
            new XElement(OutlookNs + "LoginName", localPart),
            new XElement(OutlookNs + "DomainRequired", "off"),
            new XElement(OutlookNs + "SPA", "off"),
            new XElement(OutlookNs + "SSL", "on"),
            new XElement(OutlookNs + "AuthRequired", "on"),
            more);
}
