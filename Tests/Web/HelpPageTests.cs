using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using MailActors.Host.Web;
using MailActors.Policy;
using MailActors.Tests.Pop3;
using MailActors.Tests.Support;

namespace MailActors.Tests.Web;

/// <summary>docs/spec.md §16: the help page and the root CA, over <c>web</c> and <c>webs</c>, from inside, dial-up and outside.</summary>
[Trait("Category", "Slow")]
public sealed partial class HelpPageTests(WebServerFixture fixture) : IClassFixture<WebServerFixture>
{
    private TestServer Server => fixture.Server;

    private async Task<HttpResponseMessage> Get(IPAddress from, Uri uri, string? acceptLanguage = null)
    {
        using var client = WebClients.For(Server, from);
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (acceptLanguage is not null) request.Headers.TryAddWithoutValidation("Accept-Language", acceptLanguage);
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task The_help_page_is_plain_html_for_phones_naming_the_host_and_the_configured_ports()
    {
        var response = await Get(TestServer.Inside, WebClients.Web(Server, "/"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("utf-8", response.Content.Headers.ContentType.CharSet);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<html lang=\"en\">", html);
        Assert.Contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">", html);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Mail settings for mail.test", html);
        foreach (var port in new[] { Server.Pop3sPort, Server.ApopPort, Server.SubmissionsPort, Server.SubmissionPort, Server.Pop3Port })
            Assert.Contains($"<td>{port}</td>", html);
        Assert.Contains("for 5 minutes after that", html);
        foreach (var id in new[] { "thunderbird", "outlook", "apple-ios", "apple-macos", "generic", "ca", "account" })
            Assert.Contains($"id=\"{id}\"", html);
        Assert.Contains($"href=\"https://mail.test:{Server.WebsPort}/account?lang=en\"", html);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Theory]
    [InlineData(null, null, "en")]
    [InlineData("ja", null, "ja")]
    [InlineData("ja-JP,ja;q=0.9,en;q=0.5", null, "ja")]
    [InlineData("fr, en;q=0.8, ja;q=0.9", null, "ja")]
    [InlineData("fr", null, "en")]
    [InlineData("ja", "en", "en")]
    [InlineData("en", "ja", "ja")]
    [InlineData(null, "xx", "en")]
    public async Task The_language_comes_from_the_query_then_accept_language_then_english(string? acceptLanguage, string? lang, string expected)
    {
        var response = await Get(TestServer.Inside, WebClients.Web(Server, lang is null ? "/" : $"/?lang={lang}"), acceptLanguage);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains($"<html lang=\"{expected}\">", html);
        Assert.Contains(expected == "ja" ? "mail.test のメール設定" : "Mail settings for mail.test", html);
        Assert.Equal(expected, response.Content.Headers.ContentLanguage.Single());
    }

    [Fact]
    public async Task Both_languages_are_complete_and_differ_in_every_section()
    {
        var en = await (await Get(TestServer.Outside, WebClients.Web(Server, "/?lang=en"))).Content.ReadAsStringAsync();
        var ja = await (await Get(TestServer.Outside, WebClients.Web(Server, "/?lang=ja"))).Content.ReadAsStringAsync();
        Assert.Equal(Ids(en), Ids(ja));
        Assert.Equal(Regex.Count(en, "<li>"), Regex.Count(ja, "<li>"));
        Assert.Equal(Regex.Count(en, "<td>"), Regex.Count(ja, "<td>"));
        Assert.Contains("学外", ja);
        Assert.Contains("ルート証明書", ja);
        Assert.DoesNotContain("Thunderbird reads", ja);
        Assert.Contains($"ポート {Server.Pop3sPort}", ja);
    }

    private static List<string> Ids(string html) => IdPattern().Matches(html).Select(m => m.Groups[1].Value).ToList();

    [Theory]
    [InlineData("127.0.0.1", "inside", "inside the campus network")]
    [InlineData("127.0.0.3", "dialup", "dial-up / VPN pool (counts as inside)")]
    [InlineData("127.0.0.2", "outside", "outside the campus network")]
    public async Task The_page_tells_the_visitor_which_zone_their_own_address_is_in_over_web_and_webs(string from, string zone, string words)
    {
        foreach (var uri in new[] { WebClients.Web(Server, "/"), WebClients.Webs(Server, "/") })
        {
            var html = await (await Get(IPAddress.Parse(from), uri)).Content.ReadAsStringAsync();
            Assert.Contains($"data-zone=\"{zone}\"", html);
            Assert.Contains(words, html);
            Assert.Contains($"this server sees it: {from}.", html);
        }
    }

    [Fact]
    public async Task A_forwarded_for_header_does_not_change_the_zone()
    {
        using var client = WebClients.For(Server, TestServer.Outside);
        using var request = new HttpRequestMessage(HttpMethod.Get, WebClients.Web(Server, "/"));
        request.Headers.Add("X-Forwarded-For", "127.0.0.1");
        var html = await (await client.SendAsync(request)).Content.ReadAsStringAsync();
        Assert.Contains("data-zone=\"outside\"", html);
    }

    [Fact]
    public async Task The_ca_downloads_as_pem_and_der_and_the_page_prints_the_fingerprint_as_openssl_does()
    {
        var pem = await Get(TestServer.Outside, WebClients.Web(Server, "/ca.pem"));
        Assert.Equal(HttpStatusCode.OK, pem.StatusCode);
        Assert.Equal("application/x-pem-file", pem.Content.Headers.ContentType!.MediaType);
        var pemText = await pem.Content.ReadAsStringAsync();
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", pemText);

        var der = await Get(TestServer.Outside, WebClients.Webs(Server, "/ca.crt"));
        Assert.Equal(HttpStatusCode.OK, der.StatusCode);
        Assert.Equal("application/x-x509-ca-cert", der.Content.Headers.ContentType!.MediaType);
        Assert.Equal(Server.Ca.RawData, await der.Content.ReadAsByteArrayAsync());

        var file = Path.Combine(Server.DataDir, "downloaded-ca.pem");
        await File.WriteAllTextAsync(file, pemText);
        var openssl = await Run("openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in", file);
        Assert.StartsWith("sha256 Fingerprint=", openssl);

        var html = await (await Get(TestServer.Outside, WebClients.Web(Server, "/"))).Content.ReadAsStringAsync();
        var shown = FingerprintPattern().Match(html).Groups[1].Value;
        Assert.Equal(openssl.Trim(), WebUtility.HtmlDecode(shown));
        Assert.Contains("href=\"/ca.crt\"", html);
        Assert.Contains("href=\"/ca.pem\"", html);
    }

    [Fact]
    public async Task The_web_listeners_are_listed_with_the_others()
    {
        var names = Server.Endpoints.Select(e => e.Name).ToList();
        Assert.Contains("web", names);
        Assert.Contains("webs", names);
        Assert.Contains("submissions", names);
        Assert.Contains(Server.Endpoints, e => e.Name == "webs" && e.Endpoint.EndsWith($":{Server.WebsPort}"));
        var response = await Get(TestServer.Inside, WebClients.Web(Server, "/no-such-page"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public void Values_from_the_configuration_are_html_encoded()
    {
        var settings = TestSettings.With("""mailactors.local-domains = ["<script>alert(1)</script>.test", "a&b.test"]""");
        var html = HelpPage.Render(new MailSite(settings), null, HelpTexts.English, IPAddress.Parse("192.0.2.1"), Zone.Outside);
        Assert.DoesNotContain("<script>", html);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;.test", html);
        Assert.Contains("a&amp;b.test", html);
        Assert.Contains("id=\"no-ca\"", html);
    }

    [Fact]
    public void Port_offset_applies_to_every_port_shown()
    {
        var settings = MailActors.Host.Configuration.ConfigLoader.Load([], portOffset: 10000).Settings;
        var html = HelpPage.Render(new MailSite(settings), null, HelpTexts.English, IPAddress.Loopback, Zone.Inside);
        foreach (var port in new[] { 10995, 11110 + 10000, 10465, 10587, 10110 }) Assert.Contains($"<td>{port}</td>", html);
        Assert.DoesNotContain("<td>995</td>", html);
        Assert.Contains("https://localhost:10443/account", html);
    }

    internal static async Task<string> Run(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{program} failed: {error}");
        return output;
    }

    [GeneratedRegex("id=\"([a-z-]+)\"")]
    private static partial Regex IdPattern();

    [GeneratedRegex("id=\"fingerprint\">([^<]+)<")]
    private static partial Regex FingerprintPattern();
}
