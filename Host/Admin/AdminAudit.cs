using Akka.Actor;
using MailActors.Audit;
using MailActors.Host.Configuration;

namespace MailActors.Host.Admin;

/// <summary>
/// Records an administrator's change in the audit journal (docs/spec.md §8): through the running node's audit stream,
/// else in a stream of this CLI run's own, written straight to the database (never a stream a node writes).
/// </summary>
public static class AdminAudit
{
    public static async Task RecordAsync(LoadedConfig config, string action, string target)
    {
        var by = Environment.UserName;
        var query = $"audit/admin?action={Uri.EscapeDataString(action)}&target={Uri.EscapeDataString(target)}&by={Uri.EscapeDataString(by)}";
        if (await new AdminClient(config.Settings).PostAsync<RecordedView>(query) is not null) return;
        await RecordOfflineAsync(config, new AdminChanged(action, target, by, OfflineJournal.Node, DateTime.UtcNow));
    }

    /// <summary>Writes the fact in a new stream of this CLI run's own, straight to the database.</summary>
    public static async Task RecordOfflineAsync(LoadedConfig config, IAuditFact fact)
    {
        using var system = OfflineJournal.Start(config);
        try
        {
            var stream = $"{AuditWriter.StreamPrefix}cli@{Environment.MachineName}-{DateTime.UtcNow:yyyyMMddTHHmmssfff}-{Guid.NewGuid():N}";
            var writer = system.ActorOf(Props.Create(() => new AuditWriter(stream)), "audit");
            await writer.Ask<AuditWriter.Recorded>(new AuditWriter.Record(fact), TimeSpan.FromSeconds(30));
        }
        finally
        {
            await system.Terminate();
        }
    }
}

/// <summary>The node's answer to <c>POST /audit/admin</c>.</summary>
public sealed record RecordedView(bool Recorded);
