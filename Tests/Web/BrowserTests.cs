using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MailActors.Tests.Support;
using PuppeteerSharp;

namespace MailActors.Tests.Web;

/// <summary>
/// docs/spec.md §16 in a real browser: Debian's headless chromium, driven over the DevTools protocol by PuppeteerSharp.
/// The browser reaches the server by its host name (mail.test mapped to 127.0.0.1) and trusts exactly the server's key.
/// Screenshots go to the test output folder (bin/.../screenshots), never into the repository.
/// </summary>
[Trait("Category", "Slow")]
public sealed class BrowserTests(WebServerFixture fixture) : IClassFixture<WebServerFixture>
{
    private const string Chromium = "/usr/bin/chromium";
    // the binary behind Debian's /usr/bin/chromium wrapper script, which splits arguments that contain spaces
    private const string ChromiumBinary = "/usr/lib/chromium/chromium";
    private static readonly string Screenshots = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "screenshots")).FullName;
    private TestServer Server => fixture.Server;

    private async Task<IBrowser> LaunchAsync()
    {
        var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(Server.DataDir, "tls", "server.pem")));
        var spki = Convert.ToBase64String(SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo()));
        return await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = File.Exists(ChromiumBinary) ? ChromiumBinary : Chromium,
            Headless = true,
            Timeout = 120_000,
            Args =
            [
                "--no-sandbox", // tests may run as root (CI containers)
                "\"--host-resolver-rules=MAP mail.test 127.0.0.1\"", // PuppeteerSharp joins the arguments into one command line
                $"--ignore-certificate-errors-spki-list={spki}",
                "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage",
            ],
        });
    }

    [NeedsProgramFact(Chromium, "chromium chromium-driver")]
    public async Task A_user_reads_the_help_page_in_both_languages_downloads_the_ca_logs_in_and_sets_an_apop_secret_that_then_works()
    {
        await using var browser = await LaunchAsync();
        await using var page = await browser.NewPageAsync();
        page.DefaultTimeout = 60_000;
        page.DefaultNavigationTimeout = 60_000;
        await page.SetViewportAsync(new ViewPortOptions { Width = 420, Height = 900 });

        await page.GoToAsync($"http://mail.test:{Server.WebPort}/?lang=en");
        Assert.Equal("Mail settings for mail.test", await page.EvaluateExpressionAsync<string>("document.querySelector('h1').textContent"));
        Assert.Equal("inside", await page.EvaluateExpressionAsync<string>("document.getElementById('zone').dataset.zone"));
        await page.ScreenshotAsync(Path.Combine(Screenshots, "help-en.png"), new ScreenshotOptions { FullPage = true });

        await page.ClickAsync("a[hreflang=ja]");
        await page.WaitForSelectorAsync("html[lang=ja]");
        Assert.Equal("mail.test のメール設定", await page.EvaluateExpressionAsync<string>("document.querySelector('h1').textContent"));
        await page.ScreenshotAsync(Path.Combine(Screenshots, "help-ja.png"), new ScreenshotOptions { FullPage = true });

        // the CA, downloaded as a browser downloads it
        var downloads = Directory.CreateTempSubdirectory("mailactors-downloads-").FullName;
        await page.Client.SendAsync("Browser.setDownloadBehavior", new Dictionary<string, object> { ["behavior"] = "allow", ["downloadPath"] = downloads });
        await page.ClickAsync("a[href='/ca.crt']");
        var downloaded = Path.Combine(downloads, "ca.crt");
        await Eventually.AssertAsync(() => Task.FromResult(File.Exists(downloaded) && new FileInfo(downloaded).Length > 0), "ca.crt downloaded",
            TimeSpan.FromSeconds(60));
        Assert.Equal(Server.Ca.RawData, await File.ReadAllBytesAsync(downloaded));

        // the account link leads to webs by the host name; log in there
        await Task.WhenAll(page.WaitForNavigationAsync(), page.ClickAsync("a[href*='/account']"));
        Assert.StartsWith($"https://mail.test:{Server.WebsPort}/account", page.Url);
        await page.TypeAsync("#name", "alice");
        await page.TypeAsync("#password", WebServerFixture.Password);
        await Task.WhenAll(page.WaitForNavigationAsync(), page.ClickAsync("form[action^='/account/login'] button"));
        Assert.Contains("alice", await page.EvaluateExpressionAsync<string>("document.getElementById('who').textContent"));
        var logins = await page.EvaluateExpressionAsync<string>("document.getElementById('logins').nextElementSibling.textContent");
        Assert.Contains("webs (userpass)", logins);
        await page.ScreenshotAsync(Path.Combine(Screenshots, "account-ja.png"), new ScreenshotOptions { FullPage = true });

        await page.TypeAsync("#secret", "browser-apop-secret");
        await page.TypeAsync("#repeat", "browser-apop-secret");
        await Task.WhenAll(page.WaitForNavigationAsync(), page.ClickAsync("form[action^='/account/apop'] button"));
        Assert.Equal("APOP パスワードを設定しました。", await page.EvaluateExpressionAsync<string>("document.getElementById('message').textContent"));
        Assert.DoesNotContain("browser-apop-secret", await page.GetContentAsync());
        await page.ScreenshotAsync(Path.Combine(Screenshots, "account-apop-set.png"), new ScreenshotOptions { FullPage = true });

        await Pop3Clients.AssertApopWorksAsync(Server, "alice", "browser-apop-secret");
        Directory.Delete(downloads, true);
    }
}
