using Akka.Actor;
using Akka.Configuration;
using MailActors.Configuration;
using MailActors.Grants;
using MailActors.Host.Configuration;
using MailActors.Host.Server;

namespace MailActors.Host.Admin;

/// <summary>
/// The grant ledger straight from the database, for when no node runs: a local actor system recovers the
/// ledger from its journal, answers one request (persisting a revocation like the live ledger would), and stops.
/// Only safe while no node runs: two ledgers must never write the same journal.
/// </summary>
public static class OfflineLedger
{
    public static async Task<T> AskAsync<T>(LoadedConfig config, object request)
    {
        var settings = config.Settings;
        MailServices.EnsureSchema(settings);
        var hocon = ConfigurationFactory.ParseString("""
            akka.actor.provider = local
            akka.loglevel = ERROR
            akka.stdout-loglevel = OFF
            akka.coordinated-shutdown.run-by-clr-shutdown-hook = off
            """).WithFallback(PersistenceConfig.For(settings)).WithFallback(config.Root);
        using var system = ActorSystem.Create("mailactors", hocon);
        try
        {
            var ledger = system.ActorOf(GrantLedgerActor.Props(settings.PopBeforeSmtp.Window, settings.PopBeforeSmtp.Ipv6Prefix,
                "mailactors-cli@" + Environment.MachineName), "grant-ledger");
            return await ledger.Ask<T>(request, TimeSpan.FromSeconds(30));
        }
        finally
        {
            await system.Terminate();
        }
    }
}
