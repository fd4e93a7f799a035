using System.Net;
using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using MailActors.Audit;
using MailActors.Grants;
using MailActors.Host.Server;
using MailActors.Transport.Listeners;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MailActors.Host.Admin;

/// <summary>
/// The admin HTTP endpoint (SPEC 13) on <c>mailactors.admin.http</c>: health, readiness, grants and status,
/// and what the CLI needs to act on a running node at once. Binds to loopback by default and has no
/// authentication: whoever can reach it administers the node.
/// </summary>
public sealed class AdminHttpService(
    ActorSystem system, ActorRegistry registry, MailServices services, ListenerService listeners, ILogger<AdminHttpService> log) : IHostedService
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);
    private WebApplication? _app;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var address = services.Settings.AdminHttp;
        if (address.Length == 0) return;
        if (!IPEndPoint.TryParse(address, out var endpoint) || endpoint.Port == 0)
            throw new MailActors.Configuration.ConfigurationError($"mailactors.admin.http: \"{address}\" is not host:port (e.g. 127.0.0.1:8080)");

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(endpoint));
        var app = builder.Build();
        Map(app);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            await app.DisposeAsync();
            throw new ListenerBindException($"mailactors.admin.http: cannot listen on {endpoint}: {e.Message}");
        }
        _app = app;
        log.LogInformation("Admin HTTP on http://{Endpoint}", endpoint);
    }

    private void Map(WebApplication app)
    {
        var grants = registry.Get<GrantLedgerActor>();
        var audit = registry.Get<AuditWriter>();
        var cluster = Cluster.Get(system);

        app.MapGet("/healthz", () => "ok\n");
        app.MapGet("/readyz", async () =>
        {
            var problems = new List<string>();
            if (!listeners.Bound) problems.Add("listeners not bound");
            if (cluster.SelfMember.Status != MemberStatus.Up) problems.Add($"cluster member is {cluster.SelfMember.Status}");
            try { await services.Accounts.FindAccountAsync("-"); }
            catch (Exception e) { problems.Add("storage: " + e.Message); }
            return problems.Count == 0 ? Results.Text("ready\n") : Results.Text(string.Join("; ", problems) + "\n", statusCode: 503);
        });
        app.MapGet("/grants", async () =>
        {
            var live = await grants.Ask<GrantLedgerProtocol.Live>(GrantLedgerProtocol.List.Instance, AskTimeout);
            return Results.Json(live.Grants.Select(GrantView.Of), GrantView.Json);
        });
        app.MapPost("/grants/revoke", async (string address) =>
        {
            var key = GrantKey.Parse(address, services.Settings.PopBeforeSmtp.Ipv6Prefix);
            if (key is null) return Results.Text($"not an address or /{services.Settings.PopBeforeSmtp.Ipv6Prefix} prefix: {address}\n", statusCode: 400);
            var revoked = await grants.Ask<GrantLedgerProtocol.Revoked>(new GrantLedgerProtocol.RevokeKey(key, "revoked by an administrator"), AskTimeout);
            return Results.Json(new RevokedView(revoked.Grants.Count, revoked.Grants.Select(GrantView.Of).ToList()), GrantView.Json);
        });
        app.MapPost("/accounts/{name}/changed", async (string name, string? reason) =>
        {
            var revoked = await grants.Ask<GrantLedgerProtocol.Revoked>(
                new GrantLedgerProtocol.RevokeAccount(name, reason ?? "account changed by an administrator"), AskTimeout);
            return Results.Json(new RevokedView(revoked.Grants.Count, revoked.Grants.Select(GrantView.Of).ToList()), GrantView.Json);
        });
        app.MapPost("/audit/admin", async (string action, string target, string? by) =>
        {
            await audit.Ask<AuditWriter.Recorded>(new AuditWriter.Record(
                new AdminChanged(action, target, by ?? "", cluster.SelfAddress.ToString(), DateTime.UtcNow)), AskTimeout);
            return Results.Json(new RecordedView(true), GrantView.Json);
        });
        app.MapGet("/status", async () =>
        {
            var live = await grants.Ask<GrantLedgerProtocol.Live>(GrantLedgerProtocol.List.Instance, AskTimeout);
            var queue = await services.Intake.ListQueueAsync();
            var depth = await services.Outbound.DepthAsync(DateTime.UtcNow);
            var state = cluster.State;
            var oldest = state.Members.Where(m => m.Status == MemberStatus.Up && m.HasRole("mail"))
                .OrderBy(m => m, Member.AgeOrdering).FirstOrDefault();
            return Results.Json(new
            {
                node = cluster.SelfAddress.ToString(),
                members = state.Members.Select(m => new { address = m.Address.ToString(), status = m.Status.ToString() }),
                singletons = oldest?.Address.ToString(),
                listeners = listeners.Endpoints.Select(l => new { name = l.Name, endpoint = l.Endpoint }),
                grants = live.Grants.Count,
                queue = queue.Select(q => new { q.Id, q.QueueId, q.Recipient, q.EnvelopeFrom, q.RelayAccount, q.Attempts, q.NextAttemptUtc }),
                queue_depth = new { queued = depth.Queued, deferred = depth.Deferred, delivering = depth.Delivering },
            }, GrantView.Json);
        });
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is null) return;
        await _app.StopAsync(cancellationToken);
        await _app.DisposeAsync();
    }
}
