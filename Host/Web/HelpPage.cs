using System.Net;
using MailActors.Policy;

namespace MailActors.Host.Web;

/// <summary>
/// <c>GET /</c> (docs/spec.md §16): the IT centre's help page, generated from the running configuration: the server and its
/// ports, the settings from inside and from outside, the visitor's own zone, step-by-step client set-up, the root CA.
/// </summary>
public static class HelpPage
{
    public static string Render(MailSite site, UserCa? ca, HelpTexts t, IPAddress visitor, Zone zone)
    {
        var html = new Html();
        html.Raw("<p>");
        foreach (var other in HelpTexts.All.Where(o => o != t)) html.Raw($"<a href=\"/?lang={other.Code}\" lang=\"{other.Code}\" hreflang=\"{other.Code}\">{Html.E(other.LanguageName)}</a> ");
        html.Raw("</p>\n").Paragraph(t.Intro);

        html.Heading(t.WhereYouAreHeading, "where");
        html.Raw($"<p class=\"zone\" id=\"zone\" data-zone=\"{ZoneNames.Of(zone)}\">{Html.E(t.YouConnectFrom(visitor.ToString()))} <strong>{Html.E(t.ZoneName(zone))}</strong>. {Html.E(t.ZoneAdvice(zone))}</p>\n");

        html.Heading(t.ServerHeading, "server");
        html.Definitions([(t.ServerName, site.Hostname), (t.YourUserName, t.UserNameExplained(site.Domains[0])),
            (t.YourAddresses, string.Join(", ", site.Domains))]);

        html.Heading(t.OutsideHeading, "outside");
        html.Table([t.ColumnUse, t.ColumnPort, t.ColumnSecurity, t.ColumnPassword], OutsideRows(site, t));
        if (site.Enabled(ListenerKind.Pop3) && site.StlsOutside) html.Paragraph(t.StlsOutsideNote(site.Port(ListenerKind.Pop3), site.Port(ListenerKind.Pop3s)));
        html.Raw("<p class=\"note\">").Text(t.PopBeforeSmtp(site.Window)).Raw("</p>\n");

        html.Heading(t.InsideHeading, "inside");
        html.Table([t.ColumnUse, t.ColumnPort, t.ColumnSecurity, t.ColumnPassword], InsideRows(site, t));

        html.Heading(t.PasswordsHeading, "passwords").Paragraph(t.PasswordsExplained).Paragraph(t.ApopExplained);

        html.Heading(t.ThunderbirdHeading, "thunderbird").OrderedList(t.ThunderbirdSteps(site));
        html.Heading(t.OutlookHeading, "outlook").OrderedList(t.OutlookSteps(site));
        html.Heading(t.AppleIosHeading, "apple-ios").OrderedList(t.AppleIosSteps(site));
        ProfileForm(html, t, site);
        html.Heading(t.AppleMacHeading, "apple-macos").OrderedList(t.AppleMacSteps(site));
        html.Heading(t.GenericHeading, "generic").OrderedList(t.GenericSteps(site));

        html.Heading(t.CaHeading, "ca");
        if (ca is null)
            html.Raw("<p id=\"no-ca\">").Text(t.NoCaNeeded).Raw("</p>\n");
        else
        {
            html.Paragraph(t.CaExplained).Raw("<ul>\n<li>").Link("/ca.crt", t.CaCrtLink).Raw("</li>\n<li>").Link("/ca.pem", t.CaPemLink).Raw("</li>\n</ul>\n");
            html.Paragraph(t.CaFingerprint).Raw($"<p class=\"fingerprint\" id=\"fingerprint\">{Html.E(ca.Fingerprint)}</p>\n").Paragraph(t.CaCheck);
        }

        if (site.Enabled(ListenerKind.Webs))
            html.Heading(t.AccountHeading, "account").Paragraph(t.AccountExplained).Raw("<p>").Link(site.WebsUrl($"/account?lang={t.Code}"), t.AccountLink).Raw("</p>\n");
        return html.Page(t.Code, t.Title(site.Hostname));
    }

    private static void ProfileForm(Html html, HelpTexts t, MailSite site) =>
        html.Raw($"""
            <form method="get" action="/mail.mobileconfig">
            <label for="emailaddress">{Html.E(t.EmailAddress)}</label>
            <input id="emailaddress" name="emailaddress" type="email" autocomplete="email" required placeholder="alice@{Html.E(site.Domains[0])}">
            <button type="submit">{Html.E(t.ProfileLink)}</button>
            </form>

            """);

    private static IEnumerable<IReadOnlyList<string>> OutsideRows(MailSite s, HelpTexts t)
    {
        if (s.Enabled(ListenerKind.Pop3s)) yield return [t.Receive, Port(s, ListenerKind.Pop3s), t.SecuritySsl, t.LoginPassword];
        if (s.Enabled(ListenerKind.Apop)) yield return [t.Receive, Port(s, ListenerKind.Apop), t.SecurityApop, t.ApopPassword];
        if (s.Enabled(ListenerKind.Submissions)) yield return [t.Send, Port(s, ListenerKind.Submissions), t.SecuritySsl, t.LoginPasswordOrPopFirst];
        if (s.Enabled(ListenerKind.Submission)) yield return [t.Send, Port(s, ListenerKind.Submission), t.SecurityStartTls, t.LoginPasswordOrPopFirst];
    }

    private static IEnumerable<IReadOnlyList<string>> InsideRows(MailSite s, HelpTexts t)
    {
        if (s.Enabled(ListenerKind.Pop3s)) yield return [t.Receive, Port(s, ListenerKind.Pop3s), t.SecuritySsl, t.LoginPassword];
        if (s.Enabled(ListenerKind.Pop3)) yield return [t.Receive, Port(s, ListenerKind.Pop3), $"{t.SecurityStartTls} / {t.SecurityNone}", t.LoginPassword];
        if (s.Enabled(ListenerKind.Submissions)) yield return [t.Send, Port(s, ListenerKind.Submissions), t.SecuritySsl, t.NoPasswordOnCampus];
        if (s.Enabled(ListenerKind.Submission)) yield return [t.Send, Port(s, ListenerKind.Submission), $"{t.SecurityStartTls} / {t.SecurityNone}", t.NoPasswordOnCampus];
    }

    private static string Port(MailSite s, ListenerKind kind) => s.Port(kind).ToString();
}
