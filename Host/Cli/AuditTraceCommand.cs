using System.CommandLine;
using System.Text.Json.Nodes;
using MailActors.Audit;
using MailActors.Grants;
using MailActors.Host.Audit;
using MailActors.Serialization;

namespace MailActors.Host.Cli;

/// <summary><c>mailactors audit trace MESSAGE-ID</c> (docs/spec.md §8): one message's life, from the journal, offline.</summary>
public static class AuditTraceCommand
{
    public static Command Build()
    {
        var id = new Argument<string>("MESSAGE-ID") { Description = "the Message-ID, with or without <>" };
        var format = new Option<string>("--format") { Description = "table or json (JSON lines, one step per line)", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        var trace = new Command("trace", "one message's life: accepted, delivered locally, relayed or bounced, retrieved, deleted") { id, format };
        trace.SetAction(async parse =>
        {
            var config = CommonOptions.Load(parse);
            var life = new MessageTrace(parse.GetValue(id)!);
            await using var journal = AuditJournal.Open(config.Settings);
            await foreach (var entry in journal.ReadAllAsync(MessageTrace.FirstFacts)) life.First(entry);
            await foreach (var entry in journal.ReadAllAsync(MessageTrace.SecondFacts)) life.Second(entry);
            var steps = life.Steps;
            if (parse.GetValue(format) == "json")
            {
                foreach (var step in steps) Console.WriteLine(Json(step).ToJsonString(AuditOutput.Compact));
                return steps.Count > 0 ? 0 : 1;
            }
            if (steps.Count == 0)
            {
                Console.WriteLine($"no message {life.MessageId} in the journal");
                return 1;
            }
            Console.WriteLine($"{life.MessageId}: {steps.Count} step(s)");
            Console.WriteLine($"{"TIME",-24} {"STEP",-10} {"NODE",-22} DETAILS");
            foreach (var step in steps)
                Console.WriteLine($"{AuditOutput.Time(step.At),-24} {step.What,-10} {AuditOutput.ShortNode(step.Node),-22} {Details(step)}");
            return 0;
        });
        return trace;
    }

    private static string Details(MessageTrace.Step step) => (step.Fact, step.Login) switch
    {
        (_, GrantIssued g) => $"{g.Listener}/{g.Mechanism} login by {g.Account} from {g.Address} earned grant {g.Key} until {AuditOutput.Time(g.ExpiresAt)}",
        (_, GrantRenewed g) => $"{g.Listener}/{g.Mechanism} login by {g.Account} from {g.Address} renewed grant {g.Key} until {AuditOutput.Time(g.ExpiresAt)}",
        (RelayAccepted r, _) => $"from {r.Address} on {r.Listener} by {r.Mechanism}" + (r.Account is null ? "" : $" of {r.Account}") +
                                (r.GrantKey is null ? "" : $" (grant {r.GrantKey} of {AuditOutput.Time(r.GrantAt!.Value)})") +
                                $", rule {r.Rule}: <{r.Sender}> to {r.Recipients} relayed recipient(s), queue {r.QueueId}",
        (LocalDelivered d, _) => $"into mailbox {d.Account} (uidl {d.Uidl})" + (d.Address.Length > 0 ? $" from {d.Address}" : "") +
                                 $" on {d.Listener}: <{d.Sender}>" + (d.QueueId.Length > 0 ? $", queue {d.QueueId}" : ""),
        (RelayDelivered d, _) => $"to <{d.Recipient}> at {d.Destination}: {d.Reply} (attempt {d.Attempts})",
        (RelayBounced b, _) => $"for <{b.Recipient}> at {b.Destination}: {b.Reply} ({b.Status}, {b.Attempts} attempt(s)); bounce {b.Bounce}",
        (Pop3Session s, _) => $"by {s.Account} from {s.Address} on {s.Listener} (uidl {step.Message!.Uidl}; session ended: {s.Ended})",
        _ => "",
    };

    private static JsonObject Json(MessageTrace.Step step)
    {
        var line = new JsonObject { ["time"] = AuditOutput.Time(step.At), ["step"] = step.What, ["node"] = step.Node };
        object fact = (object?)step.Fact ?? step.Login!;
        line["kind"] = FactCodec.KindOf(fact);
        foreach (var (name, value) in JsonNode.Parse(FactCodec.Encode(fact))!.AsObject())
            if (name is not ("at" or "node" or "retrieved" or "deleted")) line[name] = value?.DeepClone();
        if (step.Message is { } m)
        {
            line["uidl"] = m.Uidl;
            line["message_id"] = m.MessageId;
        }
        return line;
    }
}
