using System.Net;
using System.Text.RegularExpressions;
using MailActors.Audit;
using MailActors.Host.Audit;
using MailActors.Host.Web;
using MailActors.Tests.Smtp;
using MailActors.Tests.Support;
using MailKit.Security;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;

namespace MailActors.Tests.Web;

/// <summary>docs/spec.md §16: the self-service <c>/account</c> pages over HTTP, with real cookies, tokens, logins and APOP.</summary>
[Trait("Category", "Slow")]
public sealed partial class AccountPagesTests(WebServerFixture fixture) : IClassFixture<WebServerFixture>
{
    private TestServer Server => fixture.Server;

    /// <summary>A browser-like visitor: its own cookies, from one address.</summary>
    private sealed class Visitor(TestServer server, IPAddress from) : IDisposable
    {
        public readonly CookieContainer Cookies = new();
        private HttpClient? _client;
        public HttpClient Client => _client ??= WebClients.For(server, from, Cookies);

        public async Task<string> TokenAsync(string path = "/account")
        {
            var html = await Client.GetStringAsync(WebClients.Webs(server, path));
            return WebUtility.HtmlDecode(TokenPattern().Match(html).Groups[1].Value);
        }

        public Task<HttpResponseMessage> PostAsync(string path, params (string, string)[] fields) =>
            Client.PostAsync(WebClients.Webs(server, path), new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Item1, f.Item2))));

        public async Task<HttpResponseMessage> LogInAsync(string name, string password) =>
            await PostAsync("/account/login", ("csrf", await TokenAsync()), ("name", name), ("password", password));

        public void Dispose() => _client?.Dispose();
    }

    [GeneratedRegex("name=\"csrf\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    [Theory]
    [InlineData("/account")]
    [InlineData("/account?lang=ja")]
    [InlineData("/account/login")]
    public async Task Over_web_the_account_pages_redirect_to_webs_built_from_the_hostname(string path)
    {
        using var client = WebClients.For(Server, TestServer.Outside);
        var response = path == "/account/login"
            ? await client.PostAsync(WebClients.Web(Server, path), new FormUrlEncodedContent([new("name", "alice"), new("password", "x")]))
            : await client.GetAsync(WebClients.Web(Server, path));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"https://mail.test:{Server.WebsPort}{path}", response.Headers.Location!.ToString());
    }

    [Fact]
    public async Task The_login_form_carries_a_token_and_a_post_without_a_valid_one_is_refused_with_403()
    {
        using var visitor = new Visitor(Server, TestServer.Outside);
        var token = await visitor.TokenAsync();
        Assert.NotEmpty(token);
        Assert.Equal(HttpStatusCode.Forbidden, (await visitor.PostAsync("/account/login", ("name", "alice"), ("password", WebServerFixture.Password))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await visitor.PostAsync("/account/login", ("csrf", token + "x"), ("name", "alice"), ("password", WebServerFixture.Password))).StatusCode);

        // a token is good only with the cookie it belongs to
        using var stranger = new Visitor(Server, TestServer.Outside);
        Assert.Equal(HttpStatusCode.Forbidden, (await stranger.PostAsync("/account/login", ("csrf", token), ("name", "alice"), ("password", WebServerFixture.Password))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await stranger.PostAsync("/account/apop", ("secret", "abcdefgh1"), ("repeat", "abcdefgh1"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await stranger.PostAsync("/account/logout")).StatusCode);
    }

    [Fact]
    public async Task Logging_in_sets_a_secure_httponly_strict_session_of_ten_minutes_and_shows_the_own_login_but_earns_no_grant()
    {
        // an outside address of its own: the other tests' POP3 logins earn grants for 127.0.0.2
        var outside = IPAddress.Parse("127.0.0.5");
        using var visitor = new Visitor(Server, outside);
        var token = await visitor.TokenAsync();
        var response = await visitor.PostAsync("/account/login", ("csrf", token), ("name", "alice@example.org"), ("password", WebServerFixture.Password));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var session = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(AccountSession.CookieName + "="));
        Assert.Contains("secure", session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", session, StringComparison.OrdinalIgnoreCase);
        var expires = DateTime.Parse(Regex.Match(session, "expires=([^;]+)").Groups[1].Value).ToUniversalTime();
        Assert.InRange(expires - DateTime.UtcNow, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10.1));
        var antiforgery = Assert.Single(visitor.Cookies.GetAllCookies(), c => c.Name.StartsWith("__Host-mailactors-csrf"));
        Assert.True(antiforgery.Secure && antiforgery.HttpOnly);

        var html = "";
        await Eventually.AssertAsync(async () =>
        {
            html = await visitor.Client.GetStringAsync(WebClients.Webs(Server, "/account"));
            return html.Contains("<td>127.0.0.5</td><td>webs (userpass)</td><td>succeeded</td>");
        }, "the web login listed on the account page", TimeSpan.FromSeconds(30));
        Assert.Contains("Logged in as alice.", html);
        Assert.Null(await Server.GrantForAsync(outside));
    }

    [Fact]
    public async Task A_wrong_password_gets_401_and_is_counted_and_audited()
    {
        using var visitor = new Visitor(Server, TestServer.Inside);
        var response = await visitor.LogInAsync("alice", "wrong-password");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("Wrong user name or password.", await response.Content.ReadAsStringAsync());
        Assert.DoesNotContain(visitor.Cookies.GetAllCookies(), c => c.Name == AccountSession.CookieName);
        await Eventually.AssertAsync(async () => (await Facts<AuthFailed>()).Any(f => f.Account == "alice" && f.Listener == "webs" && f.Address == "127.0.0.1"),
            "an auth-failed fact for the web login", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Logins_refused_by_the_brute_force_limits_get_429_with_the_login_delay_wording()
    {
        using var visitor = new Visitor(Server, TestServer.Dialup);
        for (var i = 0; i < 10; i++) Assert.Equal(HttpStatusCode.Unauthorized, (await visitor.LogInAsync("brute-target", "guess-" + i)).StatusCode);
        var refused = await visitor.LogInAsync("brute-target", "guess-10");
        Assert.Equal((HttpStatusCode)429, refused.StatusCode);
        Assert.Contains("[LOGIN-DELAY] too many failed logins; wait a while before trying again", await refused.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Setting_the_apop_secret_checks_it_revokes_the_grants_is_audited_and_then_apop_works()
    {
        // a grant first: a POP3 login over TLS from outside
        using (var pop = await Pop3Clients.ConnectAsync(Server, TestServer.Outside, Server.Pop3sPort, SecureSocketOptions.SslOnConnect))
        {
            await pop.AuthenticateAsync("alice", WebServerFixture.Password);
            await pop.DisconnectAsync(true);
        }
        Assert.NotNull(await Server.GrantForAsync(TestServer.Outside));

        using var visitor = new Visitor(Server, TestServer.Outside);
        Assert.Equal(HttpStatusCode.Redirect, (await visitor.LogInAsync("alice", WebServerFixture.Password)).StatusCode);
        async Task<HttpResponseMessage> Set(string secret, string repeat) =>
            await visitor.PostAsync("/account/apop", ("csrf", await visitor.TokenAsync()), ("secret", secret), ("repeat", repeat));

        var tooShort = await Set("short7!", "short7!");
        Assert.Equal(HttpStatusCode.BadRequest, tooShort.StatusCode);
        Assert.Contains("at least 8 characters.", await tooShort.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, (await Set("apop-secret-1", "apop-secret-2")).StatusCode);
        var same = await Set(WebServerFixture.Password, WebServerFixture.Password);
        Assert.Equal(HttpStatusCode.BadRequest, same.StatusCode);
        Assert.Contains("must not be your login password", await same.Content.ReadAsStringAsync());

        var set = await Set("new-apop-secret", "new-apop-secret");
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var html = await set.Content.ReadAsStringAsync();
        Assert.Contains("Your APOP password is set.", html);
        Assert.DoesNotContain("new-apop-secret", html);

        Assert.Null(await Server.GrantForAsync(TestServer.Outside));
        await Eventually.AssertAsync(async () => (await Facts<AdminChanged>()).Any(f => f is { Action: "user apop", Target: "alice", By: "alice" }),
            "an admin-changed fact by alice", TimeSpan.FromSeconds(30));

        await Pop3Clients.AssertApopWorksAsync(Server, "alice", "new-apop-secret");
    }

    [Fact]
    public async Task The_messages_a_login_let_out_are_listed_newest_first()
    {
        using (var smtp = await SmtpClients.ConnectAsync(Server, TestServer.Outside, Server.SubmissionsPort, SecureSocketOptions.SslOnConnect))
        {
            await smtp.AuthenticateAsync("alice", WebServerFixture.Password);
            await smtp.SendAsync(SmtpClients.Message("alice@example.test", "first-out@remote.test"));
            await smtp.SendAsync(SmtpClients.Message("alice@example.org", "second-out@remote.test"));
            await smtp.DisconnectAsync(true);
        }
        using var visitor = new Visitor(Server, TestServer.Inside);
        Assert.Equal(HttpStatusCode.Redirect, (await visitor.LogInAsync("alice", WebServerFixture.Password)).StatusCode);
        // the relay facts are written to the journal after the client has read 250
        var html = "";
        await Eventually.AssertAsync(async () =>
            (html = await visitor.Client.GetStringAsync(WebClients.Webs(Server, "/account?lang=ja"))).Contains("<td>alice@example.org</td>"),
            "the messages are listed", TimeSpan.FromSeconds(30));
        Assert.Contains("あなたのログインによって送信されたメール", html);
        var second = html.IndexOf("<td>alice@example.org</td>", StringComparison.Ordinal);
        var first = html.IndexOf("<td>alice@example.test</td>", StringComparison.Ordinal);
        Assert.True(second > 0 && first > second, "newest first");
    }

    [Fact]
    public async Task Logging_out_ends_the_session()
    {
        using var visitor = new Visitor(Server, TestServer.Inside);
        Assert.Equal(HttpStatusCode.Redirect, (await visitor.LogInAsync("alice", WebServerFixture.Password)).StatusCode);
        Assert.Contains("Logged in as alice.", await visitor.Client.GetStringAsync(WebClients.Webs(Server, "/account")));
        var token = await visitor.TokenAsync();
        var response = await visitor.PostAsync("/account/logout", ("csrf", token));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.DoesNotContain("Logged in as", await visitor.Client.GetStringAsync(WebClients.Webs(Server, "/account")));
    }

    [Fact]
    public void A_session_ends_ten_minutes_after_login_whatever_the_cookie_says()
    {
        var session = new AccountSession(new EphemeralDataProtectionProvider());
        var login = new DateTime(2026, 12, 5, 12, 0, 0, DateTimeKind.Utc);
        var response = new DefaultHttpContext().Response;
        session.Start(response, "alice", login);
        var cookie = response.Headers.SetCookie.ToString();
        var request = new DefaultHttpContext().Request;
        request.Headers.Cookie = cookie.Split(';')[0];
        Assert.Equal("alice", session.Current(request, login + TimeSpan.FromMinutes(9.9))!.Account);
        Assert.Null(session.Current(request, login + TimeSpan.FromMinutes(10)));

        var forged = new DefaultHttpContext().Request;
        forged.Headers.Cookie = $"{AccountSession.CookieName}=alice";
        Assert.Null(session.Current(forged, login));
    }

    private async Task<List<T>> Facts<T>()
    {
        await using var journal = AuditJournal.OnNode(Server.Config().Settings);
        var facts = new List<T>();
        await foreach (var entry in journal.ReadAllAsync([typeof(T)]))
            if (entry.Link?.Fact is T fact) facts.Add(fact);
        return facts;
    }
}
