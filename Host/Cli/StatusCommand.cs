using System.CommandLine;
using MailActors.Host.Admin;
using MailActors.Host.Server;

namespace MailActors.Host.Cli;

/// <summary><c>mailactors status</c>: the running node's view (node, members, where each singleton runs, listeners, grants, queue), else the queue from the database.</summary>
public static class StatusCommand
{
    public static Command Build()
    {
        var status = new Command("status", "node, members, where the singletons run, listeners, grants, queue");
        status.SetAction(async parse =>
        {
            var config = CommonOptions.Load(parse);
            var live = await new AdminClient(config.Settings).GetAsync<StatusView>("status");
            if (live is not null)
            {
                foreach (var line in live.Lines(DateTime.UtcNow)) Console.WriteLine(line);
                return 0;
            }
            Console.WriteLine("node: none running (no answer on mailactors.admin.http)");
            using var services = MailServices.Open(config.Settings);
            Console.WriteLine(QueueView.Of(await services.Intake.CountQueueAsync(), await services.Outbound.DepthAsync(DateTime.UtcNow)).Line(DateTime.UtcNow));
            return 0;
        });
        return status;
    }
}
