using System.Globalization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;

namespace MailActors.Host.Web;

/// <summary>
/// The <c>/account</c> session (docs/spec.md §16): the account name and the session's end, sealed with ASP.NET Core data
/// protection in a cookie that is Secure, HttpOnly and SameSite=Strict. A session ends 10 minutes after login, whatever
/// the cookie says: the end is inside the sealed value.
/// </summary>
public sealed class AccountSession(IDataProtectionProvider protection)
{
    public const string CookieName = "__Host-mailactors-account";
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);
    private readonly IDataProtector _protector = protection.CreateProtector("MailActors.Web.AccountSession.v1");

    public sealed record Signed(string Account, DateTime EndsAt);

    public void Start(HttpResponse response, string account, DateTime now)
    {
        var endsAt = now + Lifetime;
        var value = _protector.Protect($"{account}\n{endsAt.Ticks.ToString(CultureInfo.InvariantCulture)}");
        response.Cookies.Append(CookieName, value, Options(endsAt));
    }

    public Signed? Current(HttpRequest request, DateTime now)
    {
        if (!request.Cookies.TryGetValue(CookieName, out var value) || value.Length > 4096) return null;
        string text;
        try { text = _protector.Unprotect(value); }
        catch (System.Security.Cryptography.CryptographicException) { return null; }
        var parts = text.Split('\n');
        if (parts.Length != 2 || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)) return null;
        var endsAt = new DateTime(ticks, DateTimeKind.Utc);
        return now < endsAt ? new Signed(parts[0], endsAt) : null;
    }

    public static void End(HttpResponse response) => response.Cookies.Delete(CookieName, Options(DateTime.UnixEpoch));

    private static CookieOptions Options(DateTime endsAt) => new()
    {
        Secure = true, HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/", Expires = endsAt, IsEssential = true,
    };
}
