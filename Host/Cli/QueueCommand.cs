using System.CommandLine;
using MailActors.Storage;

namespace MailActors.Host.Cli;

/// <summary>
/// <c>mailactors queue [list] | queue retry ID | queue delete ID</c> (docs/spec.md §12): the outbound queue, straight from the
/// database, whether or not a node runs — the nodes' delivery loops read the same rows, so a retry is picked up within
/// <c>relay.poll-interval</c>. ID is the queue id SMTP answered with ("250 2.0.0 OK: queued as ID"); <c>--recipient</c>
/// narrows it to one recipient of that message.
/// </summary>
public static class QueueCommand
{
    public static Command Build()
    {
        var queue = new Command("queue", "the outbound queue: list, retry or delete entries");
        var list = new Command("list", "one line per queued recipient: id, state, attempts, next attempt, sender -> recipient, last reply");
        queue.SetAction(parse => ListAsync(parse));
        list.SetAction(parse => ListAsync(parse));

        var id = new Argument<string>("ID") { Description = "the queue id (as in \"queued as ID\" and in queue list)" };
        var recipient = new Option<string?>("--recipient") { Description = "only this recipient of the message" };

        var retry = new Command("retry", "make the message's recipients due now") { id, recipient };
        retry.SetAction(parse => UserCommands.Run(parse, async s =>
        {
            var count = await s.Outbound.RetryAsync(parse.GetValue(id)!, parse.GetValue(recipient), DateTime.UtcNow);
            if (count == 0) throw NotQueued(parse.GetValue(id)!, parse.GetValue(recipient));
            await Admin.AdminAudit.RecordAsync(CommonOptions.Load(parse), "queue retry", Target(parse.GetValue(id)!, parse.GetValue(recipient)));
            Console.WriteLine($"{count} recipient(s) of {parse.GetValue(id)} due now");
        }));

        var delete = new Command("delete", "remove the message (or one recipient) from the queue, without a bounce") { id, recipient };
        delete.SetAction(parse => UserCommands.Run(parse, async s =>
        {
            var count = await s.Outbound.DeleteAsync(parse.GetValue(id)!, parse.GetValue(recipient));
            if (count == 0) throw NotQueued(parse.GetValue(id)!, parse.GetValue(recipient));
            await Admin.AdminAudit.RecordAsync(CommonOptions.Load(parse), "queue delete", Target(parse.GetValue(id)!, parse.GetValue(recipient)));
            Console.WriteLine($"deleted {count} recipient(s) of {parse.GetValue(id)}");
        }));

        queue.Subcommands.Add(list);
        queue.Subcommands.Add(retry);
        queue.Subcommands.Add(delete);
        return queue;
    }

    private static Task<int> ListAsync(ParseResult parse) => UserCommands.Run(parse, async s =>
    {
        var entries = await s.Outbound.ListAsync(DateTime.UtcNow);
        if (entries.Count == 0) Console.WriteLine("queue is empty");
        foreach (var e in entries) Console.WriteLine(Line(e));
    });

    public static string Line(OutboundEntry e) =>
        $"{e.Entry.QueueId}\t{e.State}\tattempts={e.Entry.Attempts}\tnext={e.Entry.NextAttemptUtc:yyyy-MM-ddTHH:mm:ssZ}\tsize={e.Entry.Size}\t" +
        $"<{e.Entry.EnvelopeFrom}> -> <{e.Entry.Recipient}>" + (e.Entry.LastError is { } last ? $"\tlast: {last}" : "");

    private static CliError NotQueued(string id, string? recipient) =>
        new(recipient is null ? $"no queued message {id}" : $"no queued recipient <{recipient}> of {id}");

    private static string Target(string queueId, string? recipient) => recipient is null ? queueId : $"{queueId} <{recipient}>";
}
