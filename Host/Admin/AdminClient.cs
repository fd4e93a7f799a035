using System.Net.Http.Json;
using System.Net.Sockets;
using MailActors.Configuration;

namespace MailActors.Host.Admin;

/// <summary>
/// The CLI's way to a running node (docs/spec.md §7: administrative commands take effect within a second): its admin
/// endpoint from the same configuration, with the bearer token from the same data folder. Null from a call means no node
/// answers there.
/// </summary>
public sealed class AdminClient(MailActorsSettings settings)
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    private Uri? Base => settings.AdminHttp.Length == 0 ? null : new Uri($"http://{settings.AdminHttp}/");

    public Task<T?> GetAsync<T>(string path) => Call<T>(HttpMethod.Get, path);

    public Task<T?> PostAsync<T>(string path) => Call<T>(HttpMethod.Post, path);

    /// <summary>POST with <paramref name="body"/> as JSON.</summary>
    public Task<T?> PostJsonAsync<T>(string path, object body) =>
        Call<T>(HttpMethod.Post, path, JsonContent.Create(body, body.GetType(), options: GrantView.Json));

    private async Task<T?> Call<T>(HttpMethod method, string path, HttpContent? content = null)
    {
        if (Base is not { } root) return default;
        HttpResponseMessage response;
        try
        {
            var request = new HttpRequestMessage(method, new Uri(root, path)) { Content = content };
            if (Token() is { } token) request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            response = await Http.SendAsync(request);
        }
        catch (HttpRequestException e) when (e.InnerException is SocketException)
        {
            return default; // nothing listens: no node runs with this configuration
        }
        if (response.StatusCode == System.Net.HttpStatusCode.Unauthorized)
            throw new Cli.CliError($"the running node refused: the admin token in {AdminToken.PathIn(settings.DataDir)} is missing, unreadable or not this node's");
        if (!response.IsSuccessStatusCode)
            throw new Cli.CliError($"the running node refused: {(int)response.StatusCode} {(await response.Content.ReadAsStringAsync()).Trim()}");
        return await response.Content.ReadFromJsonAsync<T>(GrantView.Json);
    }

    private string? Token()
    {
        try { return AdminToken.Read(AdminToken.PathIn(settings.DataDir)); }
        catch (UnauthorizedAccessException) { return null; } // the node will say 401, and the error above names the file
    }
}
