using System.CommandLine;
using System.Text.Json;
using MailActors.Host.Admin;
using MailActors.Host.Server;

namespace MailActors.Host.Cli;

/// <summary><c>mailactors status</c>: the running node's view (node, members, singletons, listeners, grants, queue), else the queue from the database.</summary>
public static class StatusCommand
{
    public static Command Build()
    {
        var status = new Command("status", "node, members, where the singletons run, listeners, grants, queue");
        status.SetAction(async parse =>
        {
            var config = CommonOptions.Load(parse);
            var live = await new AdminClient(config.Settings).GetAsync<JsonElement>("status");
            if (live.ValueKind == JsonValueKind.Object)
            {
                Console.WriteLine($"node: {live.GetProperty("node").GetString()}");
                foreach (var m in live.GetProperty("members").EnumerateArray())
                    Console.WriteLine($"member: {m.GetProperty("address").GetString()} {m.GetProperty("status").GetString()}");
                Console.WriteLine($"singletons: {live.GetProperty("singletons").GetString()}");
                foreach (var l in live.GetProperty("listeners").EnumerateArray())
                    Console.WriteLine($"listener: {l.GetProperty("name").GetString()} {l.GetProperty("endpoint").GetString()}");
                Console.WriteLine($"grants: {live.GetProperty("grants").GetInt32()} live");
                var queue = live.GetProperty("queue");
                var depth = live.GetProperty("queue_depth");
                Console.WriteLine($"queue: {queue.GetArrayLength()} recipient(s) waiting " +
                                  $"({depth.GetProperty("queued").GetInt32()} queued, {depth.GetProperty("deferred").GetInt32()} deferred, " +
                                  $"{depth.GetProperty("delivering").GetInt32()} delivering)");
                foreach (var q in queue.EnumerateArray())
                    Console.WriteLine($"  {q.GetProperty("queue_id").GetString()}\t<{q.GetProperty("envelope_from").GetString()}> -> <{q.GetProperty("recipient").GetString()}>\tattempts {q.GetProperty("attempts").GetInt32()}");
                return 0;
            }
            Console.WriteLine("node: none running (no answer on mailactors.admin.http)");
            using var services = MailServices.Open(config.Settings);
            var entries = await services.Intake.ListQueueAsync();
            var d = await services.Outbound.DepthAsync(DateTime.UtcNow);
            Console.WriteLine($"queue: {entries.Count} recipient(s) waiting ({d.Queued} queued, {d.Deferred} deferred, {d.Delivering} delivering)");
            foreach (var q in entries) Console.WriteLine($"  {q.QueueId}\t<{q.EnvelopeFrom}> -> <{q.Recipient}>\tattempts {q.Attempts}");
            return 0;
        });
        return status;
    }
}
