using System.Net;
using Akka.Actor;
using MailActors.Accounts;
using MailActors.Audit;
using MailActors.Authentication;
using MailActors.Grants;
using MailActors.Policy;
using MailActors.Pop3;
using MailActors.Storage;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace MailActors.Host.Web;

/// <summary>
/// Self-service <c>/account</c> on <c>webs</c> (docs/spec.md §16): log in with the login password through the
/// <see cref="Authenticator"/> (same brute-force counters as POP3, audited with listener <c>webs</c>, no grant), see
/// one's own logins, grants and relayed messages, and set the APOP-only secret. Over <c>web</c> every <c>/account</c>
/// request is redirected to <c>webs</c>. Every form carries an antiforgery token; a POST without a valid one gets 403.
/// </summary>
public sealed class AccountPages(
    MailSite site,
    string keyDirectory,
    Authenticator authenticator,
    ICredentialVerifier credentials,
    IAccountStore accounts,
    ApopSecretCipher cipher,
    IActorRef grants,
    FactRecorder facts,
    AccountHistory history,
    Func<IPAddress, Zone> zoneOf,
    string node) : IWebPages
{
    public const string LoginRule = "webs-account-login";
    private const int MaxField = 256;
    private const int MinApopSecret = 8;

    public void AddServices(IServiceCollection services)
    {
        services.AddDataProtection().SetApplicationName("mailactors");
        services.Configure<KeyManagementOptions>(o => o.XmlRepository = new PrivateKeyRing(keyDirectory, NullLoggerFactory.Instance));
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "__Host-mailactors-csrf";
            o.Cookie.SecurePolicy = CookieSecurePolicy.Always;
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.Cookie.HttpOnly = true;
            o.FormFieldName = "csrf";
        });
        services.AddSingleton<AccountSession>();
    }

    public void Map(WebApplication app)
    {
        // Over plain HTTP no /account page is served, nor any form read: the browser goes to webs, built from hostname and its port.
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/account") && !context.Request.IsHttps)
            {
                if (!site.Enabled(ListenerKind.Webs)) { context.Response.StatusCode = 404; return; }
                context.Response.Redirect(site.WebsUrl(context.Request.Path + context.Request.QueryString), permanent: false);
                return;
            }
            await next(context);
        });
        app.MapGet("/account", Show);
        app.MapPost("/account/login", LogIn);
        app.MapPost("/account/apop", SetApop);
        app.MapPost("/account/logout", LogOut);
    }

    private async Task<IResult> Show(HttpContext context, AccountSession session, IAntiforgery antiforgery)
    {
        var t = VisitorLanguage.Of(context.Request);
        var signed = session.Current(context.Request, DateTime.UtcNow);
        if (signed is null) return Page(LoginForm(context, antiforgery, t, null), t, t.LoginHeading);
        var page = int.TryParse(context.Request.Query["page"], out var p) && p is >= 0 and < 10_000 ? p : 0;
        return Page(await Overview(context, antiforgery, t, signed, page, null), t, t.AccountHeading);
    }

    private async Task<IResult> LogIn(HttpContext context, AccountSession session, IAntiforgery antiforgery)
    {
        if (!await antiforgery.IsRequestValidAsync(context)) return Results.StatusCode(403);
        var t = VisitorLanguage.Of(context.Request);
        var form = await context.Request.ReadFormAsync();
        var name = Field(form, "name");
        var password = Field(form, "password");
        var client = ZoneClassifier.Normalize(context.Connection.RemoteIpAddress ?? IPAddress.None);
        var outcome = await authenticator.AuthenticateAsync(new LoginAttempt(client, name, password, Mechanism.UserPass,
            ListenerNames.Of(ListenerKind.Webs), LoginRule, zoneOf(client)), durably: true);
        switch (outcome)
        {
            case LoginOutcome.Succeeded succeeded:
                session.Start(context.Response, succeeded.Account, DateTime.UtcNow);
                return Results.Redirect($"/account?lang={t.Code}", permanent: false);
            case LoginOutcome.Blocked:
                return Page(LoginForm(context, antiforgery, t, LoginDelayText), t, t.LoginHeading, 429);
            case LoginOutcome.Disabled:
                return Page(LoginForm(context, antiforgery, t, t.AccountDisabled), t, t.LoginHeading, 403);
            case LoginOutcome.Unavailable:
                return Page(LoginForm(context, antiforgery, t, t.TryLater), t, t.LoginHeading, 503);
            default:
                return Page(LoginForm(context, antiforgery, t, t.WrongLogin), t, t.LoginHeading, 401);
        }
    }

    private async Task<IResult> SetApop(HttpContext context, AccountSession session, IAntiforgery antiforgery)
    {
        if (!await antiforgery.IsRequestValidAsync(context)) return Results.StatusCode(403);
        var t = VisitorLanguage.Of(context.Request);
        var signed = session.Current(context.Request, DateTime.UtcNow);
        if (signed is null) return Results.Redirect($"/account?lang={t.Code}", permanent: false);
        var form = await context.Request.ReadFormAsync();
        var secret = Field(form, "secret");
        var repeat = Field(form, "repeat");
        string? problem = secret.Length < MinApopSecret ? t.ApopTooShort
            : secret != repeat ? t.ApopMismatch
            : await credentials.VerifyPasswordAsync(signed.Account, secret) is CredentialCheck.Valid ? t.ApopSameAsLogin
            : null;
        if (problem is not null) return Page(await Overview(context, antiforgery, t, signed, 0, problem), t, t.AccountHeading, 400);

        if (!await accounts.SetApopSecretAsync(signed.Account, cipher.Seal(secret)))
            return Page(await Overview(context, antiforgery, t, signed, 0, t.TryLater), t, t.AccountHeading, 503);
        // as `mailactors user apop` does: the account's grants go, and the change is an audit fact, made by the user
        await grants.Ask<GrantLedgerProtocol.Revoked>(new GrantLedgerProtocol.RevokeAccount(signed.Account, "APOP secret changed by the user"),
            TimeSpan.FromSeconds(5));
        await facts.RecordDurablyAsync(new AdminChanged("user apop", signed.Account, signed.Account, node, DateTime.UtcNow));
        return Page(await Overview(context, antiforgery, t, signed, 0, t.ApopSet), t, t.AccountHeading);
    }

    private static async Task<IResult> LogOut(HttpContext context, IAntiforgery antiforgery)
    {
        if (!await antiforgery.IsRequestValidAsync(context)) return Results.StatusCode(403);
        AccountSession.End(context.Response);
        return Results.Redirect("/", permanent: false);
    }

    /// <summary>The wording of POP3's <c>[LOGIN-DELAY]</c> refusal, without the <c>-ERR</c>.</summary>
    public static string LoginDelayText => Pop3Reply.LoginDelay["-ERR ".Length..].TrimEnd();

    private static string Field(IFormCollection form, string name)
    {
        var value = form[name].ToString();
        return value.Length > MaxField ? value[..MaxField] : value;
    }

    private static IResult Page(Html html, HelpTexts t, string title, int status = 200)
    {
        return Results.Content(html.Page(t.Code, title), "text/html; charset=utf-8", statusCode: status);
    }

    private static string Token(HttpContext context, IAntiforgery antiforgery) =>
        $"<input type=\"hidden\" name=\"csrf\" value=\"{Html.E(antiforgery.GetAndStoreTokens(context).RequestToken!)}\">";

    private Html LoginForm(HttpContext context, IAntiforgery antiforgery, HelpTexts t, string? message)
    {
        var html = new Html();
        if (message is not null) html.Raw("<p class=\"note\" role=\"alert\" id=\"message\">").Text(message).Raw("</p>\n");
        html.Raw($"""
            <form method="post" action="/account/login?lang={t.Code}">
            {Token(context, antiforgery)}
            <label for="name">{Html.E(t.NameOrAddress)}</label>
            <input id="name" name="name" autocomplete="username" required maxlength="{MaxField}">
            <label for="password">{Html.E(t.Password)}</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="{MaxField}">
            <button type="submit">{Html.E(t.LogIn)}</button>
            </form>
            <p><a href="/?lang={t.Code}">{Html.E(t.BackToHelp)}</a></p>

            """);
        return html;
    }

    private async Task<Html> Overview(HttpContext context, IAntiforgery antiforgery, HelpTexts t, AccountSession.Signed signed, int page, string? message)
    {
        var data = await history.ReadAsync(signed.Account, page);
        var html = new Html();
        if (message is not null) html.Raw("<p class=\"note\" role=\"status\" id=\"message\">").Text(message).Raw("</p>\n");
        html.Raw("<p id=\"who\">").Text(t.SignedInAs(signed.Account) + " " + t.SessionEnds(signed.EndsAt)).Raw("</p>\n");
        html.Raw($"""
            <form method="post" action="/account/logout?lang={t.Code}">{Token(context, antiforgery)}<button type="submit">{Html.E(t.LogOut)}</button></form>

            """);

        html.Heading(t.ApopHeading, "apop").Paragraph(t.ApopRules(site.Port(ListenerKind.Apop)));
        html.Raw($"""
            <form method="post" action="/account/apop?lang={t.Code}">
            {Token(context, antiforgery)}
            <label for="secret">{Html.E(t.NewApopSecret)}</label>
            <input id="secret" name="secret" type="password" autocomplete="new-password" required minlength="{MinApopSecret}" maxlength="{MaxField}">
            <label for="repeat">{Html.E(t.RepeatApopSecret)}</label>
            <input id="repeat" name="repeat" type="password" autocomplete="new-password" required minlength="{MinApopSecret}" maxlength="{MaxField}">
            <button type="submit">{Html.E(t.SetApopSecret)}</button>
            </form>

            """);

        html.Heading(t.RecentLogins, "logins");
        if (data.Logins.Count == 0) html.Paragraph(t.Nothing);
        else html.Table([t.ColumnTime, t.ColumnAddress, t.ColumnListener, t.ColumnResult],
            data.Logins.Select(l => (IReadOnlyList<string>)[Time(l.At), l.Address, $"{l.Listener} ({l.Mechanism})", l.Succeeded ? t.Succeeded : t.Failed(l.Reason ?? "")]));

        html.Heading(t.LiveGrants, "grants");
        if (data.Grants.Count == 0) html.Paragraph(t.Nothing);
        else html.Table([t.ColumnAddress, t.ColumnListener, t.ColumnTime, t.ColumnUntil],
            data.Grants.Select(g => (IReadOnlyList<string>)[g.Key, g.Listener, Time(g.IssuedAt), Time(g.ExpiresAt)]));

        html.Heading(t.MessagesLetOut, "messages");
        if (data.Messages.Count == 0) html.Paragraph(t.Nothing);
        else html.Table([t.ColumnTime, t.ColumnFrom, t.ColumnRecipients, t.ColumnAddress, t.ColumnAllowedBy],
            data.Messages.Select(m => (IReadOnlyList<string>)[Time(m.At), m.Sender, m.Recipients.ToString(), m.Address, $"{m.Mechanism} ({m.Rule})"]));

        html.Raw("<p>");
        if (page > 0) html.Link($"/account?lang={t.Code}&page={page - 1}", t.Newer).Raw(" ");
        if (data.HasOlder) html.Link($"/account?lang={t.Code}&page={page + 1}", t.Older).Raw(" ");
        html.Link($"/?lang={t.Code}", t.BackToHelp).Raw("</p>\n");
        return html;
    }

    private static string Time(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm:ss");
}
