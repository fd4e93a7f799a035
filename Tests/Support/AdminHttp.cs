using System.Net.Http.Headers;
using MailActors.Host.Admin;

namespace MailActors.Tests.Support;

/// <summary>An HTTP client for a node's admin endpoint that carries the node's bearer token, as the CLI does.</summary>
public static class AdminHttp
{
    public static HttpClient For(string dataDir)
    {
        var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken.Read(AdminToken.PathIn(dataDir)));
        return http;
    }
}
