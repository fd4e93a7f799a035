using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using MailActors.Audit;
using MailActors.AuthFailures;
using MailActors.Configuration;
using MailActors.Delivery;
using MailActors.Files;
using MailActors.Grants;
using MailActors.Host.Configuration;
using MailActors.Mailboxes;
using MailActors.Policy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MailActors.Host.Server;

/// <summary>Wires the node: storage, the actor system (singletons, sharding) and the listeners.</summary>
public static class MailActorsServer
{
    public static IHost Build(LoadedConfig config, Action<ILoggingBuilder>? logging = null)
    {
        var settings = config.Settings;
        var tightened = FileModes.Tighten(settings.DataDir,
            settings.Storage.Provider == StorageProvider.Sqlite ? PersistenceConfig.SqliteDatabasePath(settings) : null,
            [settings.ApopKeyFile]); // key files an operator placed elsewhere (TLS keys under /etc/ssl, say) are theirs to manage
        var services = MailServices.Open(settings);
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddConsole(LogFormats.Read(config.Root));
        // A normal start says what an operator needs in a dozen lines: membership changes, not Akka's internals.
        builder.Logging.AddFilter("Akka", LogLevel.Warning)
            .AddFilter(AkkaLogBridge.Membership, LogLevel.Information)
            .AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        logging?.Invoke(builder.Logging);
        builder.Services.AddSingleton(_ => services); // built by the container, so disposed with it
        // SIGTERM: the listeners drain for shutdown-grace, then the node leaves the cluster and hands its singletons over.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = settings.Limits.ShutdownGrace + TimeSpan.FromSeconds(30));

        var fabric = settings.ClusterTls.Enabled ? ClusterFabric.Setup(settings.ClusterTls) : null; // a missing file stops start-up here
        // What this node enforces: its configuration until its replica of the live policy arrives (docs/spec.md §2).
        var enforced = new EnforcedPolicy(settings);
        builder.Services.AddSingleton(enforced);
        builder.Services.AddAkka("mailactors", (akka, _) =>
        {
            if (fabric is not null) akka.AddSetup(fabric);
            akka.AddHocon(ClusterFabric.Hocon(settings.ClusterTls, config.Root).WithFallback(PersistenceConfig.For(settings)).WithFallback(config.Root),
                    HoconAddMode.Prepend)
                .AddStartup((system, _) =>
                {
                    // A single node is a cluster of one: it joins itself at once, so its singletons come up with it.
                    var cluster = Akka.Cluster.Cluster.Get(system);
                    if (cluster.Settings.SeedNodes.Count == 0) cluster.Join(cluster.SelfAddress);
                })
                .ConfigureLoggers(loggers =>
                {
                    loggers.ClearLoggers();
                    loggers.AddLogger<AkkaLogBridge>();
                })
                .WithSingleton<AuthFailureTracker>("auth-failures", AuthFailureTracker.Props(settings.Limits.AuthFailures),
                    SingletonOptions())
                .WithSingleton<GrantLedgerActor>("grant-ledger",
                    (system, _, _) => GrantLedgerActor.SupervisedProps(() => new GrantTerms(enforced.Policy.GrantWindow, enforced.Policy.Ipv6Prefix),
                        Akka.Cluster.Cluster.Get(system).SelfAddress.ToString(), Akka.DistributedData.DistributedData.Get(system).Replicator),
                    SingletonOptions())
                .WithSingleton<PolicyOwnerActor>("policy",
                    (system, _, _) => PolicyOwnerActor.SupervisedProps(LivePolicy.FromSettings(settings),
                        Akka.Cluster.Cluster.Get(system).SelfAddress.ToString(), Akka.DistributedData.DistributedData.Get(system).Replicator),
                    SingletonOptions())
                .WithActors((system, registry) =>
                {
                    // Each node classifies from its own replica of the live policy, so a session never waits on
                    // another node (nor on a failover of the policy singleton) to be classified.
                    registry.Register<PolicyActor>(system.ActorOf(
                        PolicyActor.Props(enforced, Akka.DistributedData.DistributedData.Get(system).Replicator), "policy-local"));
                    var self = Akka.Cluster.Cluster.Get(system).SelfUniqueAddress;
                    var stream = AuditWriter.StreamOf($"{self.Address.Host}:{self.Address.Port}", self.Uid);
                    registry.Register<AuditWriter>(system.ActorOf(AuditWriter.SupervisedProps(stream), "audit"));
                    system.ActorOf(DeliveryAuditor.Props(registry.Get<AuditWriter>()), "delivery-auditor");
                    StartCheckpoints(system, settings.Audit, registry.Get<AuditWriter>());
                })
                .WithShardRegion<MailboxEntity>("mailbox", account => MailboxEntity.Props(account, services.Messages),
                    new MailboxProtocol.MessageExtractor(),
                    new ShardOptions { Role = "mail", StateStoreMode = StateStoreMode.DData, RememberEntities = false })
                .WithActors((system, registry) => registry.Register<DeliveryManager>(system.ActorOf(DeliveryManager.Props(
                    DeliveryProfile.Create(settings, services.Outbound, services.Accounts, new DnsMxResolver(),
                        Akka.Cluster.Cluster.Get(system).SelfAddress.ToString())), "delivery")));
        });
        builder.Services.AddSingleton<ListenerService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ListenerService>());
        builder.Services.AddHostedService<Admin.AdminHttpService>();
        var host = builder.Build();
        if (tightened.Count > 0)
            host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(MailActorsServer))
                .LogWarning("Tightened file modes found too loose (docs/spec.md §15): {Files}", string.Join(", ", tightened));
        return host;
    }

    /// <summary>
    /// Signed checkpoints of this node's streams (docs/spec.md §8), and a last one at a graceful stop: after the
    /// sessions have drained and before the node leaves the cluster, while the grant ledger still runs here if it does.
    /// </summary>
    private static void StartCheckpoints(ActorSystem system, MailActors.Configuration.AuditSettings audit, IActorRef writer)
    {
        var key = AuditSigningKey.LoadOrCreate(audit.SigningKeyFile);
        var node = Akka.Cluster.Cluster.Get(system).SelfAddress.ToString();
        var checkpointer = system.ActorOf(Checkpointer.Props(node, key, audit.CheckpointFile, audit.CheckpointInterval, writer,
            $"/user/{GrantLedgerActor.Id}/{GrantLedgerActor.Id}"), "audit-checkpoints");
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeClusterShutdown, "audit-checkpoint",
            async () =>
            {
                await checkpointer.Ask<Checkpointer.Written>(Checkpointer.Write.Instance, TimeSpan.FromSeconds(10));
                return Akka.Done.Instance;
            });
    }

    /// <summary>Every singleton runs on the oldest member with role <c>mail</c>. Its proxy warns only when it has not found
    /// the singleton for 30 s (as Akka's reference configuration says; the hosting default warns at once, before the
    /// node has even joined).</summary>
    private static ClusterSingletonOptions SingletonOptions() =>
        new() { Role = "mail", LogSingletonIdentificationFailure = false };
}
