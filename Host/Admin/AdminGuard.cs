using System.Net;
using Microsoft.AspNetCore.Http;

namespace MailActors.Host.Admin;

/// <summary>
/// Who may use the admin endpoint (docs/spec.md §15). <c>/healthz</c>, <c>/readyz</c> and <c>/metrics</c> are open to
/// probes and scrapers. Everything else (grants, status, every POST) needs the bearer token (else 401) and a Host header
/// naming the bound address or localhost, with or without the bound port (else 421): a web page the operator visits can
/// neither send the token nor, by DNS rebinding, make the browser talk to the endpoint under its own name.
/// </summary>
public sealed class AdminGuard(IPEndPoint bound, string token)
{
    private static readonly string[] Open = ["/healthz", "/readyz", "/metrics"];

    public static bool IsOpen(HttpRequest request) =>
        HttpMethods.IsGet(request.Method) && Open.Any(p => string.Equals(request.Path.Value, p, StringComparison.Ordinal));

    /// <returns>the status to refuse with, or null to let the request through.</returns>
    public int? Refusal(HttpRequest request)
    {
        if (IsOpen(request)) return null;
        if (!HostNamesUs(request.Headers.Host.ToString())) return StatusCodes.Status421MisdirectedRequest;
        var authorization = request.Headers.Authorization.ToString();
        const string bearer = "Bearer ";
        var presented = authorization.StartsWith(bearer, StringComparison.OrdinalIgnoreCase) ? authorization[bearer.Length..].Trim() : null;
        return AdminToken.Matches(token, presented) ? null : StatusCodes.Status401Unauthorized;
    }

    /// <summary>localhost or the bound address (any address literal when bound to all of them), with no port or the bound one.</summary>
    public bool HostNamesUs(string host)
    {
        if (host.Length == 0) return false;
        var (name, port) = Split(host);
        if (port is not null && port != bound.Port.ToString()) return false;
        if (string.Equals(name, "localhost", StringComparison.OrdinalIgnoreCase)) return true;
        if (!IPAddress.TryParse(name, out var address)) return false; // a name: what DNS rebinding would send
        return bound.Address.Equals(IPAddress.Any) || bound.Address.Equals(IPAddress.IPv6Any) || address.Equals(bound.Address);
    }

    private static (string Name, string? Port) Split(string host)
    {
        if (host.StartsWith('['))
        {
            var close = host.IndexOf(']');
            if (close < 0) return (host, null);
            var rest = host[(close + 1)..];
            return (host[1..close], rest.StartsWith(':') ? rest[1..] : rest.Length == 0 ? null : rest);
        }
        var colon = host.LastIndexOf(':');
        return colon < 0 ? (host, null) : (host[..colon], host[(colon + 1)..]);
    }
}
