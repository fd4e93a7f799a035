using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using MailActors.Configuration;
using MailActors.Policy;
using MailActors.Transport.Listeners;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MailActors.Host.Web;

/// <summary>
/// The <c>web</c> (HTTP) and <c>webs</c> (HTTPS, the server certificate) listeners of docs/spec.md §3 and §16, on Kestrel:
/// the help page, the root CA, client autoconfiguration, and on <c>webs</c> the self-service account pages. No PROXY
/// header and no <c>X-Forwarded-For</c>: the visitor's zone is that of the TCP peer.
/// </summary>
public sealed class WebListeners : IAsyncDisposable
{
    private const int MaxRequestBody = 64 * 1024;
    private readonly WebApplication _app;

    public IReadOnlyList<(string Name, string Endpoint)> Endpoints { get; }

    private WebListeners(WebApplication app, IReadOnlyList<(string, string)> endpoints)
    {
        _app = app;
        Endpoints = endpoints;
    }

    /// <returns>null when both web listeners are switched off.</returns>
    /// <param name="zoneOf">the zone of a visitor's address under the policy this node enforces now.</param>
    public static async Task<WebListeners?> StartAsync(MailActorsSettings settings, MailSite site, X509Certificate2 certificate,
        Func<IPAddress, Zone> zoneOf, IWebPages? account, CancellationToken cancellationToken)
    {
        var web = settings.Listeners[ListenerKind.Web];
        var webs = settings.Listeners[ListenerKind.Webs];
        if (!web.Enabled && !webs.Enabled) return null;

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = MaxRequestBody;
            k.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            if (web.Enabled) k.Listen(settings.BindAddress, web.Port);
            if (webs.Enabled) k.Listen(settings.BindAddress, webs.Port, l => l.UseHttps(certificate));
        });
        account?.AddServices(builder.Services);
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
            await next(context);
        });
        Map(app, site, UserCa.Load(settings), zoneOf);
        account?.Map(app);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            await app.DisposeAsync();
            throw new ListenerBindException($"mailactors.listeners.web / webs: cannot listen on {settings.BindAddress}: {e.Message}");
        }
        var endpoints = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(a => new Uri(a))
            .Select(u => (u.Scheme == "https" ? "webs" : "web", $"{settings.BindAddress}:{u.Port}"))
            .OrderBy(e => e.Item1).ToList();
        return new WebListeners(app, endpoints);
    }

    private static void Map(WebApplication app, MailSite site, UserCa? userCa, Func<IPAddress, Zone> zoneOf)
    {
        app.MapGet("/", (HttpContext context) =>
        {
            var visitor = ZoneClassifier.Normalize(context.Connection.RemoteIpAddress ?? IPAddress.None);
            var texts = VisitorLanguage.Of(context.Request);
            context.Response.Headers.ContentLanguage = texts.Code;
            context.Response.Headers.Vary = "Accept-Language";
            return Results.Content(HelpPage.Render(site, userCa, texts, visitor, zoneOf(visitor)), "text/html; charset=utf-8");
        });
        app.MapGet("/ca.pem", () => userCa is { } ca
            ? Results.Text(ca.Pem, "application/x-pem-file", Encoding.ASCII)
            : Results.NotFound());
        app.MapGet("/ca.crt", () => userCa is { } ca
            ? Results.File(ca.Der, "application/x-x509-ca-cert", "ca.crt")
            : Results.NotFound());

        IResult Thunderbird(string? emailaddress)
        {
            if (emailaddress is null) return Xml(ThunderbirdAutoconfig.For(site, site.Domains), "text/xml");
            return site.LocalAddress(emailaddress) is { } local
                ? Xml(ThunderbirdAutoconfig.For(site, [local.Domain]), "text/xml")
                : Results.NotFound();
        }
        app.MapGet("/.well-known/autoconfig/mail/config-v1.1.xml", (string? emailaddress) => Thunderbird(emailaddress));
        app.MapGet("/mail/config-v1.1.xml", (string? emailaddress) => Thunderbird(emailaddress));

        app.MapPost("/autodiscover/autodiscover.xml", async (HttpRequest request) =>
        {
            var address = await OutlookAutodiscover.ReadRequestAsync(request.Body, MaxRequestBody);
            if (address is null) return Results.BadRequest();
            return site.LocalAddress(address) is { } local
                ? Xml(OutlookAutodiscover.For(site, local.LocalPart), "application/xml")
                : Results.NotFound();
        });

        app.MapGet("/mail.mobileconfig", (string? emailaddress) =>
        {
            if (site.LocalAddress(emailaddress) is not { } local) return Results.NotFound();
            var profile = AppleMobileConfig.For(site, emailaddress!, local.LocalPart, userCa);
            return Results.File(Encoding.UTF8.GetBytes(Declared(profile)), AppleMobileConfig.ContentType, $"{local.LocalPart}.mobileconfig");
        });
    }

    private static IResult Xml(System.Xml.Linq.XDocument document, string type) =>
        Results.Text(Declared(document), type + "; charset=utf-8", Encoding.UTF8);

    private static string Declared(System.Xml.Linq.XDocument document) =>
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + document.ToString() + "\n";

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
