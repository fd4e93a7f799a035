using Akka.Actor;
using Akka.Configuration;
using MailActors.Host.Configuration;
using MailActors.Host.Server;

namespace MailActors.Host.Admin;

/// <summary>A local actor system on the configured journal, for CLI commands that read or write it with no node running.</summary>
public static class OfflineJournal
{
    /// <summary>How the CLI names itself in the facts it records.</summary>
    public static string Node => "mailactors-cli@" + Environment.MachineName;

    public static ActorSystem Start(LoadedConfig config)
    {
        MailServices.EnsureSchema(config.Settings); // on PostgreSQL the journal tables are ours to create
        var hocon = ConfigurationFactory.ParseString("""
            akka.actor.provider = local
            akka.loglevel = ERROR
            akka.stdout-loglevel = OFF
            akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
            """).WithFallback(PersistenceConfig.For(config.Settings)).WithFallback(config.Root);
        return ActorSystem.Create("mailactors", hocon);
    }
}
