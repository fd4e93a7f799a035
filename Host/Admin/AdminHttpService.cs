using System.Net;
using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using MailActors.Audit;
using MailActors.Grants;
using MailActors.Host.Server;
using MailActors.Observability;
using MailActors.Policy;
using MailActors.Transport.Listeners;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace MailActors.Host.Admin;

/// <summary>
/// The admin HTTP endpoint (docs/spec.md §13) on <c>mailactors.admin.http</c>: health, readiness, metrics (Prometheus text
/// through OpenTelemetry), grants and status, and what the CLI needs to act on a running node at once. Binds to loopback by
/// default; all but the probes need the bearer token of <see cref="AdminToken"/> and a Host naming this endpoint (<see cref="AdminGuard"/>).
/// </summary>
public sealed class AdminHttpService(
    ActorSystem system, ActorRegistry registry, MailServices services, ListenerService listeners, EnforcedPolicy enforced,
    ILogger<AdminHttpService> log) : IHostedService
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan StorageProbeTimeout = TimeSpan.FromSeconds(2);
    private WebApplication? _app;
    private IDisposable? _observed;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var token = AdminToken.LoadOrCreate(services.Settings.DataDir);
        var address = services.Settings.AdminHttp;
        if (address.Length == 0) return;
        if (!IPEndPoint.TryParse(address, out var endpoint) || endpoint.Port == 0)
            throw new MailActors.Configuration.ConfigurationError($"mailactors.admin.http: \"{address}\" is not host:port (e.g. 127.0.0.1:8080)");

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(endpoint));
        var node = Cluster.Get(system).SelfAddress.ToString();
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("mailactors", serviceInstanceId: node))
            .WithMetrics(m => m.AddMeter(MailMetrics.MeterName)
                .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        var app = builder.Build();
        var guard = new AdminGuard(endpoint, token);
        app.Use(async (context, next) =>
        {
            if (guard.Refusal(context.Request) is { } status)
            {
                context.Response.StatusCode = status;
                if (status == StatusCodes.Status401Unauthorized) context.Response.Headers.WWWAuthenticate = "Bearer";
                await context.Response.WriteAsync(status == StatusCodes.Status401Unauthorized
                    ? $"the admin token is required (Authorization: Bearer, from {AdminToken.PathIn(services.Settings.DataDir)})\n"
                    : "this endpoint answers only to its own address or localhost\n");
                return;
            }
            await next(context);
        });
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
        // After the meter provider started: the zero series of the counters are recorded only once it listens.
        var figures = new NodeFigures(Akka.DistributedData.DistributedData.Get(system).Replicator, registry.Get<GrantLedgerActor>(), services.Intake);
        figures.RefreshIfStale();
        _observed = MailMetrics.Observe(node, listeners.Endpoints.Select(l => l.Name), figures.Grants, figures.Queue);
        log.LogInformation("Admin HTTP on http://{Endpoint}", endpoint);
    }

    private void Map(WebApplication app)
    {
        var grants = registry.Get<GrantLedgerActor>();
        var audit = registry.Get<AuditWriter>();
        var cluster = Cluster.Get(system);

        app.MapGet("/healthz", () => "ok\n");
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapGet("/readyz", async () =>
        {
            string? storage = null;
            // bounded, so that a probe gets its answer before a load balancer's probe timeout, even with the database gone
            try { await services.Accounts.FindAccountAsync("-").WaitAsync(StorageProbeTimeout); }
            catch (TimeoutException) { storage = $"no answer within {StorageProbeTimeout.TotalSeconds:0} s"; }
            catch (Exception e) { storage = e.Message; }
            var problems = Readiness.Problems(new ReadinessFacts(listeners.Bound, cluster.SelfAddress.ToString(), Members(cluster), storage));
            return problems.Count == 0 ? Results.Text("ready\n") : Results.Text(string.Join("; ", problems) + "\n", statusCode: 503);
        });
        app.MapGet("/grants", async () =>
        {
            var live = await grants.Ask<GrantLedgerProtocol.Live>(GrantLedgerProtocol.List.Instance, AskTimeout);
            return Results.Json(live.Grants.Select(GrantView.Of), GrantView.Json);
        });
        app.MapPost("/grants/revoke", async (string address) =>
        {
            var prefix = enforced.Policy.Ipv6Prefix; // the live policy's, as the ledger keys grants
            var key = GrantKey.Parse(address, prefix);
            if (key is null) return Results.Text($"not an address or /{prefix} prefix: {address}\n", statusCode: 400);
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
        PolicyEndpoints.Map(app, system, registry.Get<PolicyOwnerActor>());
        app.MapGet("/status", async () =>
        {
            int? live = null;
            try { live = (await grants.Ask<GrantLedgerProtocol.Live>(GrantLedgerProtocol.List.Instance, AskTimeout)).Grants.Count; }
            catch (Exception) { /* shown as unknown: the ledger did not answer */ }
            var queue = await services.Intake.CountQueueAsync();
            // The singletons run on the oldest Up member with the role "mail" (MailActorsServer); every node classifies from its policy replica.
            var oldest = cluster.State.Members.Where(m => m.Status == MemberStatus.Up && m.HasRole("mail"))
                .OrderBy(m => m, Member.AgeOrdering).FirstOrDefault()?.Address.ToString();
            return Results.Json(new StatusView(
                cluster.SelfAddress.ToString(),
                Members(cluster),
                new Dictionary<string, string?> { ["auth-failures"] = oldest, ["grant-ledger"] = oldest, ["policy"] = oldest },
                listeners.Endpoints.Select(l => new ListenerView(l.Name, l.Endpoint)).ToList(),
                live,
                QueueView.Of(queue, await services.Outbound.DepthAsync(DateTime.UtcNow)),
                await PolicyEndpoints.EnforcedAsync(system)), GrantView.Json);
        });
    }

    /// <summary>The members as this node sees them; a member is unreachable if any member's failure detector says so.</summary>
    private static IReadOnlyList<MemberView> Members(Cluster cluster)
    {
        var state = cluster.State;
        return state.Members.Select(m => new MemberView(m.Address.ToString(), m.Status.ToString(), m.Roles.Order().ToList(),
            !state.Unreachable.Contains(m))).ToList();
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _observed?.Dispose();
        if (_app is null) return;
        await _app.StopAsync(cancellationToken);
        await _app.DisposeAsync();
    }
}
