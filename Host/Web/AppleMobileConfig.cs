using System.Security.Cryptography;
using System.Text;
using System.Xml.Linq;
using MailActors.Policy;

namespace MailActors.Host.Web;

/// <summary>
/// An Apple configuration profile (<c>GET /mail.mobileconfig?emailaddress=</c>, docs/spec.md §16): a
/// <c>com.apple.mail.managed</c> payload for a POP account over SSL (995, SMTP 465) and, when the CA is ours, a
/// <c>com.apple.security.root</c> payload carrying it. Keys as in Apple's Configuration Profile Reference. The UUIDs are
/// derived from the host and address, so that installing the profile again replaces it rather than adding a second account.
/// </summary>
public static class AppleMobileConfig
{
    public const string ContentType = "application/x-apple-aspen-config";

    public static XDocument For(MailSite site, string address, string localPart, UserCa? ca)
    {
        var identifier = string.Join('.', site.Hostname.Split('.').Reverse()) + ".mailactors";
        var payloads = new List<XElement>
        {
            Dict(
                ("PayloadType", "com.apple.mail.managed"),
                ("PayloadVersion", 1),
                ("PayloadIdentifier", $"{identifier}.mail.{localPart}"),
                ("PayloadUUID", Uuid(site, address, "mail")),
                ("PayloadDisplayName", $"{address} ({site.Hostname})"),
                ("EmailAccountDescription", address),
                ("EmailAccountType", "EmailTypePOP"),
                ("EmailAddress", address),
                ("IncomingMailServerHostName", site.Hostname),
                ("IncomingMailServerPortNumber", site.Port(ListenerKind.Pop3s)),
                ("IncomingMailServerUseSSL", true),
                ("IncomingMailServerAuthentication", "EmailAuthPassword"),
                ("IncomingMailServerUsername", localPart),
                ("OutgoingMailServerHostName", site.Hostname),
                ("OutgoingMailServerPortNumber", site.Port(ListenerKind.Submissions)),
                ("OutgoingMailServerUseSSL", true),
                ("OutgoingMailServerAuthentication", "EmailAuthPassword"),
                ("OutgoingMailServerUsername", localPart),
                ("OutgoingPasswordSameAsIncomingPassword", true)),
        };
        if (ca is not null)
            payloads.Add(Dict(
                ("PayloadType", "com.apple.security.root"),
                ("PayloadVersion", 1),
                ("PayloadIdentifier", $"{identifier}.root-ca"),
                ("PayloadUUID", Uuid(site, "", "root-ca")),
                ("PayloadDisplayName", "MailActors Root CA"),
                ("PayloadCertificateFileName", "ca.crt"),
                ("PayloadContent", ca.Der)));

        var profile = Dict(
            ("PayloadType", "Configuration"),
            ("PayloadVersion", 1),
            ("PayloadIdentifier", $"{identifier}.profile.{localPart}"),
            ("PayloadUUID", Uuid(site, address, "profile")),
            ("PayloadDisplayName", HelpTexts.English.Title(site.Hostname)),
            ("PayloadDescription", $"{address}: POP3 {site.Port(ListenerKind.Pop3s)} (SSL), SMTP {site.Port(ListenerKind.Submissions)} (SSL)"),
            ("PayloadRemovalDisallowed", false));
        profile.AddFirst(new XElement("key", "PayloadContent"), new XElement("array", payloads));
        return new XDocument(new XDeclaration("1.0", "UTF-8", null),
            new XDocumentType("plist", "-//Apple//DTD PLIST 1.0//EN", "http://www.apple.com/DTDs/PropertyList-1.0.dtd", null),
            new XElement("plist", new XAttribute("version", "1.0"), profile));
    }

    private static XElement Dict(params (string Key, object Value)[] entries)
    {
        var dict = new XElement("dict");
        foreach (var (key, value) in entries)
            dict.Add(new XElement("key", key), value switch
            {
                string s => new XElement("string", s),
                int i => new XElement("integer", i),
                bool b => new XElement(b ? "true" : "false"),
                byte[] data => new XElement("data", Convert.ToBase64String(data)),
                _ => throw new ArgumentException($"no plist type for {value.GetType().Name}"),
            });
        return dict;
    }

    private static string Uuid(MailSite site, string address, string purpose)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{site.Hostname}\n{address.ToLowerInvariant()}\n{purpose}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50); // version 5 style: name-based
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true).ToString().ToUpperInvariant();
    }
}
