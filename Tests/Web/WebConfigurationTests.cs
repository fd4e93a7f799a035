using System.Net;
using System.Net.Sockets;
using MailActors.Certificates;
using MailActors.Tests.Support;

namespace MailActors.Tests.Web;

/// <summary>docs/spec.md §11, §16: the web listeners switched off, and an operator-supplied certificate (no CA to hand out).</summary>
[Trait("Category", "Slow")]
public sealed class WebConfigurationTests
{
    [Fact]
    public async Task With_an_operator_certificate_there_is_no_ca_to_download_and_the_page_says_so()
    {
        var certificates = Directory.CreateTempSubdirectory("mailactors-operator-cert-").FullName;
        var issued = new CertificateAuthority(certificates);
        issued.Issue(["mail.test"], ["example.test"]);
        await using var server = await TestServer.StartAsync($$"""
            mailactors.tls { certificate = "{{issued.ServerCertificateFile}}", key = "{{issued.ServerKeyFile}}" }
            """);
        using var client = WebClients.For(server, TestServer.Outside);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(WebClients.Web(server, "/ca.pem"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(WebClients.Web(server, "/ca.crt"))).StatusCode);
        var html = await client.GetStringAsync(WebClients.Web(server, "/"));
        Assert.Contains("id=\"no-ca\"", html);
        Assert.Contains("Nothing to install", html);
        Assert.DoesNotContain("href=\"/ca.crt\"", html);
        var ja = await client.GetStringAsync(WebClients.Web(server, "/?lang=ja"));
        Assert.Contains("インストールするものはありません", ja);

        var profile = await Plist.ReadAsync(await client.GetByteArrayAsync(WebClients.Web(server, "/mail.mobileconfig?emailaddress=bob@example.test")), server.DataDir);
        Assert.Equal(["com.apple.mail.managed"], profile.GetProperty("PayloadContent").EnumerateArray().Select(p => p.GetProperty("PayloadType").GetString()));
        Directory.Delete(certificates, true);
    }

    [Fact]
    public async Task Web_listeners_switched_off_are_not_bound_nor_listed()
    {
        await using var server = await TestServer.StartAsync("mailactors.listeners { web.enabled = off, webs.enabled = off }");
        Assert.DoesNotContain(server.Endpoints, e => e.Name is "web" or "webs");
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await Assert.ThrowsAnyAsync<SocketException>(() => socket.ConnectAsync(IPAddress.Loopback, server.WebPort));
    }

    [Fact]
    public async Task Only_webs_can_be_on_and_web_off()
    {
        await using var server = await TestServer.StartAsync("mailactors.listeners.web.enabled = off");
        Assert.Equal(["webs"], server.Endpoints.Where(e => e.Name.StartsWith("web")).Select(e => e.Name));
        using var client = WebClients.For(server, TestServer.Inside);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(WebClients.Webs(server, "/"))).StatusCode);
    }
}
