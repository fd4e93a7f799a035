using System.Net;
using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Hosting;
using MailActors.Accounts;
using MailActors.Audit;
using MailActors.Authentication;
using MailActors.AuthFailures;
using MailActors.Grants;
using MailActors.Host.Web;
using MailActors.Mailboxes;
using MailActors.Policy;
using MailActors.Pop3;
using MailActors.Sessions;
using MailActors.Smtp;
using MailActors.Transport.Listeners;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MailActors.Host.Server;

/// <summary>
/// Waits until a single node is Up in its cluster of one, then binds the mail listeners and the web listeners.
/// Started after Akka, stopped before it.
/// </summary>
public sealed class ListenerService(
    ActorSystem system,
    ActorRegistry registry,
    MailServices services,
    EnforcedPolicy enforced,
    ILogger<ListenerService> log) : IHostedService
{
    private readonly MailTransport _transport = new(system);
    private readonly List<(string Name, string Endpoint)> _endpoints = [];

    /// <summary>Every enabled listener is bound.</summary>
    public bool Bound { get; private set; }

    public IReadOnlyList<(string Name, string Endpoint)> Endpoints => _endpoints;
    private ConnectionGate? _gate;
    private WebListeners? _web;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = services.Settings;
        var cluster = Cluster.Get(system);
        if (cluster.Settings.SeedNodes.Count == 0) // it joined itself as the actor system started: wait until it is Up
        {
            var up = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            cluster.RegisterOnMemberUp(() => up.TrySetResult());
            await up.Task.WaitAsync(cancellationToken);
        }

        var certificate = ServerCertificate.Load(settings, log);
        var authFailures = await registry.GetAsync<AuthFailureTracker>(cancellationToken);
        var mailboxes = await registry.GetAsync<MailboxEntity>(cancellationToken);
        var grants = await registry.GetAsync<GrantLedgerActor>(cancellationToken);
        var audit = await registry.GetAsync<AuditWriter>(cancellationToken);
        var grantLookup = new ReplicatedGrants(DistributedData.Get(system).Replicator, grants, () => enforced.Policy.Ipv6Prefix);
        var node = cluster.SelfAddress.ToString();
        var accounts = (ICredentialVerifier?)services.Directory ?? new AccountDirectory(services.Accounts, services.ApopCipher);
        var facts = new FactRecorder(audit, Akka.Event.Logging.GetLogger(system, "sessions"));
        var authenticator = new Authenticator(settings.LocalDomains, accounts, authFailures, grants, facts, node);
        var challenges = new ApopChallenge(settings.Hostname);
        // read per connection: a change of networks.trusted-proxies applies to the next connection
        Func<IPAddress, bool> isTrustedProxy = address => enforced.Current.Classifier.IsTrustedProxy(address);
        Zone ZoneOf(IPAddress address) => enforced.Current.Classifier.Classify(address);

        SessionContext SessionOf(ListenerKind kind) =>
            new(settings, kind, node, enforced, new ConnectionLimiter(settings.Limits.MaxConnectionsPerAddress), facts);

        var gate = _gate = new ConnectionGate(OpenFilesLimit.ConnectionCapacity(settings.Limits.MaxConnections));
        log.LogInformation("Accepting at most {Capacity} connections (open-files limit {Limit})", gate.Capacity,
            OpenFilesLimit.Read()?.ToString() ?? "unlimited");
        foreach (var kind in new[] { ListenerKind.Pop3, ListenerKind.Pop3s, ListenerKind.Apop })
        {
            var listenerSettings = settings.Listeners[kind];
            if (!listenerSettings.Enabled) continue;
            var deps = new Pop3SessionDeps(SessionOf(kind), authenticator, mailboxes, grants, services.Messages, challenges);
            var options = new ListenerOptions(kind, new IPEndPoint(settings.BindAddress, listenerSettings.Port), certificate,
                ImplicitTls: kind == ListenerKind.Pop3s, settings.Limits.MaxLineLength, settings.Limits.IdleTimeout, settings.Limits.TlsHandshakeTimeout,
                isTrustedProxy, new Pop3SessionFactory(system, deps), gate, Pop3Reply.ServerBusy);
            await BindAsync(options);
        }
        var commits = new CommitBudget(settings.Limits.CommitMemory, settings.Limits.CommitWait);
        foreach (var kind in new[] { ListenerKind.Smtp, ListenerKind.Submission, ListenerKind.Submissions })
        {
            var listenerSettings = settings.Listeners[kind];
            if (!listenerSettings.Enabled) continue;
            var recipients = new Aliases.RecipientResolver(services.Mailboxes, settings.LocalDomains, settings.DefaultQuota, services.Recipients);
            var deps = new SmtpSessionDeps(SessionOf(kind), authenticator, grantLookup, recipients, services.Intake, commits);
            var options = new ListenerOptions(kind, new IPEndPoint(settings.BindAddress, listenerSettings.Port), certificate,
                ImplicitTls: kind == ListenerKind.Submissions, settings.Limits.MaxLineLength, settings.Limits.IdleTimeout, settings.Limits.TlsHandshakeTimeout,
                isTrustedProxy, new SmtpSessionFactory(system, deps), gate, SmtpReply.ServerBusy);
            await BindAsync(options);
        }
        var site = new Web.MailSite(settings, () => enforced.Policy);
        var accountPages = new AccountPages(site, Path.Combine(settings.DataDir, "keys", "web"), authenticator, accounts, services.Accounts,
            services.ApopCipher, grants, facts, new AccountHistory(settings, grants), ZoneOf, node);
        _web = await WebListeners.StartAsync(settings, site, certificate, ZoneOf, accountPages, cancellationToken);
        if (_web is not null) _endpoints.AddRange(_web.Endpoints);
        Bound = true;
        log.LogInformation("Listening: {Listeners}", string.Join(", ", _endpoints.Select(e => $"{e.Name} on {e.Endpoint}")));
    }

    private async Task BindAsync(ListenerOptions options)
    {
        try
        {
            await _transport.ListenAsync(options);
        }
        catch (ListenerBindException e)
        {
            throw new ListenerBindException($"mailactors.listeners.{ListenerNames.Of(options.Kind)}.port: {e.Message}");
        }
        _endpoints.Add((ListenerNames.Of(options.Kind), options.Endpoint.ToString()));
    }

    /// <summary>A graceful stop (SIGTERM): no new connections, and the open sessions get a bounded time to finish.</summary>
    private async Task DrainAsync(TimeSpan grace, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + grace;
        if (_gate!.Open > 0 && grace > TimeSpan.Zero)
            log.LogInformation("Stopping: waiting up to {Grace} for {Open} open sessions", grace, _gate.Open);
        while (_gate.Open > 0 && DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
            await Task.Delay(100, CancellationToken.None);
        if (_gate.Open > 0) log.LogInformation("Stopping: closing {Open} sessions still open", _gate.Open);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        Bound = false;
        if (_web is not null) await _web.DisposeAsync();
        await _transport.CloseListenersAsync();
        if (_gate is null) return; // never started
        await DrainAsync(services.Settings.Limits.ShutdownGrace, cancellationToken);
        if (!await _transport.StopAsync(TimeSpan.FromSeconds(2)))
            log.LogWarning("Network event loops did not stop within 2 s; going on");
    }
}
