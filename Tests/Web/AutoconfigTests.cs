using System.Net;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using MailActors.Tests.Support;

namespace MailActors.Tests.Web;

/// <summary>
/// Client autoconfiguration (docs/spec.md §16), each document checked element by element against what its client parses:
/// Thunderbird's clientConfig format (config-v1.1.xml, as its autoconfig wiki and the ISP database define it), Outlook's
/// POX autodiscover response schema (2006 / outlook 2006a), and Apple's Configuration Profile Reference keys for
/// com.apple.mail.managed and com.apple.security.root, read back through python3's plistlib.
/// </summary>
[Trait("Category", "Slow")]
public sealed class AutoconfigTests(WebServerFixture fixture) : IClassFixture<WebServerFixture>
{
    private TestServer Server => fixture.Server;

    private async Task<HttpResponseMessage> Get(Uri uri)
    {
        using var client = WebClients.For(Server, TestServer.Outside);
        return await client.GetAsync(uri);
    }

    // Thunderbird's accepted values (autoconfig ConfigFileFormat; readFromXML sanitizes these enumerations).
    private static readonly string[] SocketTypes = ["plain", "SSL", "STARTTLS"];
    private static readonly string[] Authentications =
        ["password-cleartext", "password-encrypted", "NTLM", "GSSAPI", "client-IP-address", "TLS-client-cert", "OAuth2", "none"];
    private static readonly string[] ServerChildren = ["hostname", "port", "socketType", "username", "authentication"];

    [Theory]
    [InlineData("/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=alice@example.org")]
    [InlineData("/mail/config-v1.1.xml?emailaddress=alice%40example.org")]
    public async Task Thunderbird_gets_pop3s_then_apop_then_smtp_465_and_587(string path)
    {
        var response = await Get(WebClients.Web(Server, path));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/xml", response.Content.Headers.ContentType!.MediaType);
        var root = XDocument.Parse(await response.Content.ReadAsStringAsync()).Root!;
        Assert.Equal("clientConfig", root.Name.LocalName);
        Assert.Equal("1.1", root.Attribute("version")!.Value);
        var provider = Assert.Single(root.Elements("emailProvider"));
        Assert.Equal("example.org", provider.Attribute("id")!.Value);
        Assert.Equal(["example.org"], provider.Elements("domain").Select(d => d.Value));
        Assert.NotEmpty(provider.Element("displayName")!.Value);
        Assert.NotEmpty(provider.Element("displayShortName")!.Value);

        var incoming = provider.Elements("incomingServer").ToList();
        var outgoing = provider.Elements("outgoingServer").ToList();
        foreach (var server in incoming.Concat(outgoing))
        {
            Assert.Equal(ServerChildren, server.Elements().Select(e => e.Name.LocalName));
            Assert.Contains(server.Element("socketType")!.Value, SocketTypes);
            Assert.Contains(server.Element("authentication")!.Value, Authentications);
            Assert.Equal("mail.test", server.Element("hostname")!.Value);
            Assert.Equal("%EMAILLOCALPART%", server.Element("username")!.Value);
        }
        Assert.Equal([("pop3", Server.Pop3sPort, "SSL", "password-cleartext"), ("pop3", Server.ApopPort, "plain", "password-encrypted")], incoming.Select(Describe));
        Assert.Equal([("smtp", Server.SubmissionsPort, "SSL", "password-cleartext"), ("smtp", Server.SubmissionPort, "STARTTLS", "password-cleartext")],
            outgoing.Select(Describe));
    }

    private static (string, int, string, string) Describe(XElement server) => (server.Attribute("type")!.Value,
        int.Parse(server.Element("port")!.Value), server.Element("socketType")!.Value, server.Element("authentication")!.Value);

    [Fact]
    public async Task Thunderbird_without_an_address_gets_every_local_domain()
    {
        var response = await Get(WebClients.Webs(Server, "/mail/config-v1.1.xml"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var provider = XDocument.Parse(await response.Content.ReadAsStringAsync()).Root!.Element("emailProvider")!;
        Assert.Equal(["example.test", "example.org"], provider.Elements("domain").Select(d => d.Value));
    }

    [Theory]
    [InlineData("/mail/config-v1.1.xml?emailaddress=alice@elsewhere.test")]
    [InlineData("/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=not-an-address")]
    [InlineData("/mail.mobileconfig?emailaddress=alice@elsewhere.test")]
    [InlineData("/mail.mobileconfig")]
    [InlineData("/mail.mobileconfig?emailaddress=%3Cb%3E@example.test")]
    public async Task Other_domains_and_bad_addresses_get_404(string path)
    {
        Assert.Equal(HttpStatusCode.NotFound, (await Get(WebClients.Web(Server, path))).StatusCode);
    }

    private static readonly XNamespace Response2006 = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006";
    private static readonly XNamespace Outlook2006a = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a";

    private static string AutodiscoverRequest(string address) => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
          <Request>
            <EMailAddress>{address}</EMailAddress>
            <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>
          </Request>
        </Autodiscover>
        """;

    private async Task<HttpResponseMessage> Autodiscover(string body, string path = "/autodiscover/autodiscover.xml")
    {
        using var client = WebClients.For(Server, TestServer.Outside);
        return await client.PostAsync(WebClients.Webs(Server, path), new StringContent(body, Encoding.UTF8, "text/xml"));
    }

    [Theory]
    [InlineData("/autodiscover/autodiscover.xml")]
    [InlineData("/Autodiscover/Autodiscover.xml")]
    public async Task Outlook_autodiscover_answers_pop3_over_ssl_and_smtp_over_ssl_in_the_pox_schema(string path)
    {
        var response = await Autodiscover(AutodiscoverRequest("Alice@example.test"), path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/xml", response.Content.Headers.ContentType!.MediaType);
        var root = XDocument.Parse(await response.Content.ReadAsStringAsync()).Root!;
        Assert.Equal(Response2006 + "Autodiscover", root.Name);
        var account = root.Element(Outlook2006a + "Response")!.Element(Outlook2006a + "Account")!;
        Assert.Equal("email", account.Element(Outlook2006a + "AccountType")!.Value);
        Assert.Equal("settings", account.Element(Outlook2006a + "Action")!.Value);
        var protocols = account.Elements(Outlook2006a + "Protocol").ToList();
        Assert.Equal(["POP3", "SMTP"], protocols.Select(p => p.Element(Outlook2006a + "Type")!.Value));
        Assert.Equal([Server.Pop3sPort, Server.SubmissionsPort], protocols.Select(p => int.Parse(p.Element(Outlook2006a + "Port")!.Value)));
        foreach (var p in protocols)
        {
            Assert.Equal("mail.test", p.Element(Outlook2006a + "Server")!.Value);
            Assert.Equal("Alice", p.Element(Outlook2006a + "LoginName")!.Value);
            Assert.Equal("on", p.Element(Outlook2006a + "SSL")!.Value);
            Assert.Equal("off", p.Element(Outlook2006a + "SPA")!.Value);
            Assert.Equal("on", p.Element(Outlook2006a + "AuthRequired")!.Value);
            // every child is one the POX Protocol element defines
            Assert.All(p.Elements(), e => Assert.Contains(e.Name.LocalName, PoxProtocolChildren));
        }
        Assert.Equal("on", protocols[1].Element(Outlook2006a + "UsePOPAuth")!.Value);
    }

    private static readonly string[] PoxProtocolChildren =
    [
        "Type", "Internal", "TTL", "Server", "ServerDN", "ServerVersion", "MdbDN", "PublicFolderServer", "AD", "Port", "DirectoryPort",
        "ReferralPort", "ASUrl", "OOFUrl", "OABUrl", "UMUrl", "LoginName", "DomainRequired", "DomainName", "SPA", "AuthPackage",
        "CertPrincipalName", "SSL", "AuthRequired", "UsePOPAuth", "SMTPLast", "NetworkRequirements",
    ];

    [Fact]
    public async Task Outlook_autodiscover_refuses_other_domains_garbage_and_dtds()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await Autodiscover(AutodiscoverRequest("alice@elsewhere.test"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Autodiscover("not xml at all")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Autodiscover(
            """<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><Autodiscover>&x;</Autodiscover>""")).StatusCode);
        using var client = WebClients.For(Server, TestServer.Outside);
        var get = await client.GetAsync(WebClients.Webs(Server, "/autodiscover/autodiscover.xml"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
    }

    [Fact]
    public async Task The_apple_profile_is_a_plist_with_a_pop_mail_payload_and_our_root_ca()
    {
        var response = await Get(WebClients.Webs(Server, "/mail.mobileconfig?emailaddress=alice@example.test"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/x-apple-aspen-config", response.Content.Headers.ContentType!.MediaType);
        var profile = await Plist.ReadAsync(await response.Content.ReadAsByteArrayAsync(), Server.DataDir);

        Assert.Equal("Configuration", profile.GetProperty("PayloadType").GetString());
        Assert.Equal(1, profile.GetProperty("PayloadVersion").GetInt32());
        Assert.True(Guid.TryParse(profile.GetProperty("PayloadUUID").GetString(), out _));
        Assert.NotEmpty(profile.GetProperty("PayloadIdentifier").GetString()!);
        var payloads = profile.GetProperty("PayloadContent").EnumerateArray().ToList();
        Assert.Equal(["com.apple.mail.managed", "com.apple.security.root"], payloads.Select(p => p.GetProperty("PayloadType").GetString()));
        Assert.Equal(3, payloads.Select(p => p.GetProperty("PayloadUUID").GetString()).Append(profile.GetProperty("PayloadUUID").GetString()).Distinct().Count());

        var mail = payloads[0];
        Assert.Equal("EmailTypePOP", mail.GetProperty("EmailAccountType").GetString());
        Assert.Equal("alice@example.test", mail.GetProperty("EmailAddress").GetString());
        Assert.Equal("mail.test", mail.GetProperty("IncomingMailServerHostName").GetString());
        Assert.Equal(Server.Pop3sPort, mail.GetProperty("IncomingMailServerPortNumber").GetInt32());
        Assert.True(mail.GetProperty("IncomingMailServerUseSSL").GetBoolean());
        Assert.Equal("EmailAuthPassword", mail.GetProperty("IncomingMailServerAuthentication").GetString());
        Assert.Equal("alice", mail.GetProperty("IncomingMailServerUsername").GetString());
        Assert.Equal("mail.test", mail.GetProperty("OutgoingMailServerHostName").GetString());
        Assert.Equal(Server.SubmissionsPort, mail.GetProperty("OutgoingMailServerPortNumber").GetInt32());
        Assert.True(mail.GetProperty("OutgoingMailServerUseSSL").GetBoolean());
        Assert.Equal("EmailAuthPassword", mail.GetProperty("OutgoingMailServerAuthentication").GetString());
        Assert.True(mail.GetProperty("OutgoingPasswordSameAsIncomingPassword").GetBoolean());
        Assert.All(mail.EnumerateObject(), key => Assert.Contains(key.Name, MailPayloadKeys));

        var root = payloads[1];
        Assert.Equal(Convert.ToBase64String(Server.Ca.RawData), root.GetProperty("PayloadContent").GetString());
        Assert.Equal("ca.crt", root.GetProperty("PayloadCertificateFileName").GetString());

        // the same address gets the same UUIDs: installing again replaces the profile
        var again = await Plist.ReadAsync(await (await Get(WebClients.Webs(Server, "/mail.mobileconfig?emailaddress=alice@example.test"))).Content.ReadAsByteArrayAsync(), Server.DataDir);
        Assert.Equal(profile.GetProperty("PayloadUUID").GetString(), again.GetProperty("PayloadUUID").GetString());
    }

    // Apple's Configuration Profile Reference: the general payload keys and the keys of com.apple.mail.managed.
    private static readonly string[] MailPayloadKeys =
    [
        "PayloadType", "PayloadVersion", "PayloadIdentifier", "PayloadUUID", "PayloadDisplayName", "PayloadDescription", "PayloadOrganization",
        "EmailAccountDescription", "EmailAccountName", "EmailAccountType", "EmailAddress",
        "IncomingMailServerAuthentication", "IncomingMailServerHostName", "IncomingMailServerPortNumber", "IncomingMailServerUseSSL",
        "IncomingMailServerUsername", "IncomingPassword", "OutgoingMailServerAuthentication", "OutgoingMailServerHostName",
        "OutgoingMailServerPortNumber", "OutgoingMailServerUseSSL", "OutgoingMailServerUsername", "OutgoingPassword",
        "OutgoingPasswordSameAsIncomingPassword", "PreventMove", "PreventAppSheet", "SMIMEEnabled", "disableMailRecentsSyncing",
    ];
}

/// <summary>Reads a property list with python3's plistlib (a real plist parser) and hands it back as JSON (data as base64).</summary>
internal static class Plist
{
    public static async Task<JsonElement> ReadAsync(byte[] plist, string workDir)
    {
        var file = Path.Combine(workDir, $"profile-{Guid.NewGuid():N}.plist");
        await File.WriteAllBytesAsync(file, plist);
        var json = await HelpPageTests.Run("python3", "-c", """
            import base64, json, plistlib, sys
            def plain(v):
                if isinstance(v, bytes): return base64.b64encode(v).decode()
                if isinstance(v, dict): return {k: plain(x) for k, x in v.items()}
                if isinstance(v, list): return [plain(x) for x in v]
                return v
            with open(sys.argv[1], 'rb') as f: print(json.dumps(plain(plistlib.load(f, fmt=plistlib.FMT_XML))))
            """, file);
        return JsonDocument.Parse(json).RootElement;
    }
}
