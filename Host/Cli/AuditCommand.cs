using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using MailActors.Audit;
using MailActors.Grants;
using MailActors.Host.Audit;
using MailActors.Host.Configuration;

namespace MailActors.Host.Cli;

/// <summary>
/// <c>mailactors audit</c> (docs/spec.md §8, 12): the audit journal replayed from the database, offline — filtered facts,
/// <c>--at T --ip ADDR</c> (whose grant covered the address then, and what it let out), or <c>--verify</c>.
/// </summary>
public static class AuditCommand
{
    public static Command Build()
    {
        var since = new Option<string>("--since") { Description = "from this time on (ISO-8601, e.g. 2026-11-27T10:00:00Z)" };
        var until = new Option<string>("--until") { Description = "before this time (ISO-8601)" };
        var ip = new Option<string>("--ip") { Description = "facts about this client address (or the grant that holds it)" };
        var user = new Option<string>("--user") { Description = "facts about this account" };
        var kind = new Option<string[]>("--kind")
        {
            Description = "only this kind (repeatable): auth-succeeded, auth-failed, policy-refused, relay-accepted, relay-refused, " +
                          "relay-delivered, relay-bounced, grant-issued, grant-renewed, grant-expired, grant-revoked, admin-changed, policy-changed; " +
                          "or a family: auth, relay, grant, policy",
            DefaultValueFactory = _ => [],
        };
        var at = new Option<string>("--at") { Description = "with --ip: who held the grant for that address at this time, and which messages it let out" };
        var format = new Option<string>("--format") { Description = "table or json (JSON lines)", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        var verify = new Option<bool>("--verify")
        {
            Description = "check every stream's hash chain, and the signed checkpoints; exit 1 at a broken link, a cut, deleted or rewritten stream",
        };
        var checkpoints = new Option<string>("--checkpoints")
        {
            Description = "with --verify: the signed checkpoint file (default: audit.checkpoint-file, when it exists)",
        };
        var keys = new Option<string[]>("--key")
        {
            Description = "with --verify: trust only checkpoints signed by this public key (a PEM file, as `audit key` prints; repeatable)",
            DefaultValueFactory = _ => [],
        };

        var audit = new Command("audit", "replay the audit journal from the database (no running node needed)")
        {
            since, until, ip, user, kind, at, format, verify, checkpoints, keys,
        };
        audit.Subcommands.Add(AuditKeyCommand.Build());
        audit.Subcommands.Add(AuditTraceCommand.Build());
        audit.Subcommands.Add(AuditWhatIfCommand.Build());
        audit.SetAction(async parse =>
        {
            var config = CommonOptions.Load(parse);
            var json = parse.GetValue(format) == "json";
            var address = parse.GetValue(ip) is { } text
                ? IPAddress.TryParse(text, out var a) ? a : throw new CliError($"--ip: not an IP address: {text}")
                : null;
            var atTime = Time(parse.GetValue(at), "--at");
            if (atTime is not null && address is null) throw new CliError("--at needs --ip ADDR: the address whose grant you ask about");

            await using var journal = AuditJournal.Open(config.Settings);
            if (parse.GetValue(verify))
                return await AuditVerify.RunAsync(journal, CheckpointFileOf(parse.GetValue(checkpoints), config), parse.GetValue(keys) ?? []);
            if (atTime is { } t) return await GrantAtAsync(journal, GrantKey.Of(address!, config.Settings.PopBeforeSmtp.Ipv6Prefix), address!, t, json);

            var filter = new AuditFilter(Time(parse.GetValue(since), "--since"), Time(parse.GetValue(until), "--until"), address,
                parse.GetValue(user), parse.GetValue(kind));
            using var sorted = new SortedLines();
            await foreach (var entry in journal.ReadAllAsync(filter.Facts))
                if (filter.Matches(entry)) sorted.Add(entry.At, entry.Stream, entry.SequenceNr, json ? AuditOutput.Json(entry) : AuditOutput.Table(entry));
            if (!json) Console.WriteLine(AuditOutput.TableHeader);
            foreach (var line in sorted.Sorted()) Console.WriteLine(line);
            return 0;
        });
        return audit;
    }

    /// <summary>The file given, else the configured one when it exists (docs/spec.md §8), else none.</summary>
    private static string? CheckpointFileOf(string? given, LoadedConfig config)
    {
        if (given is not null) return File.Exists(given) ? given : throw new CliError($"--checkpoints: no such file: {given}");
        return File.Exists(config.Settings.Audit.CheckpointFile) ? config.Settings.Audit.CheckpointFile : null;
    }

    private static async Task<int> GrantAtAsync(AuditJournal journal, string key, IPAddress address, DateTime at, bool json)
    {
        var ledger = new List<IGrantEvent>();
        var relays = new List<RelayAccepted>();
        await foreach (var entry in journal.ReadAllAsync([typeof(GrantIssued), typeof(GrantRenewed), typeof(GrantRevoked), typeof(GrantExpired), typeof(RelayAccepted)]))
            switch (entry.Link?.Fact)
            {
                case IGrantEvent g when entry.Stream == GrantLedgerActor.Id && g.Key == key: ledger.Add(g); break;
                case RelayAccepted r when r.GrantKey == key: relays.Add(r); break;
            }
        var answer = GrantHistory.At(key, at, ledger, relays);
        if (json)
        {
            Console.WriteLine(new JsonObject
            {
                ["time"] = AuditOutput.Time(at),
                ["address"] = address.ToString(),
                ["key"] = key,
                ["account"] = answer?.Term.Account,
                ["grant"] = answer is null ? null : TermJson(answer.Term),
                ["terms"] = answer is null ? new JsonArray() : new JsonArray(answer.Grant.Select(t => (JsonNode)TermJson(t)).ToArray()),
                ["messages"] = answer is null ? new JsonArray() : new JsonArray(answer.Messages.Select(m => (JsonNode)new JsonObject
                {
                    ["time"] = AuditOutput.Time(m.At),
                    ["message_id"] = m.MessageId,
                    ["queue_id"] = m.QueueId,
                    ["sender"] = m.Sender,
                    ["recipients"] = m.Recipients,
                    ["account"] = m.Account,
                    ["address"] = m.Address,
                    ["listener"] = m.Listener,
                }).ToArray()),
            }.ToJsonString(AuditOutput.Compact));
            return 0;
        }
        if (answer is null)
        {
            Console.WriteLine($"no grant covered {address} at {AuditOutput.Time(at)}");
            return 0;
        }
        var term = answer.Term;
        Console.WriteLine($"{address} at {AuditOutput.Time(at)}: grant {key} held by account {term.Account}");
        Console.WriteLine($"  earned by a {term.Listener}/{term.Mechanism} login from {term.Address} at {AuditOutput.Time(term.From)} " +
                          $"on {AuditOutput.ShortNode(term.Node)}; in force until {AuditOutput.Time(term.Until)} ({term.Ended})");
        var first = answer.Grant[0];
        var last = answer.Grant[^1];
        Console.WriteLine($"  the grant: from {AuditOutput.Time(first.From)} until {AuditOutput.Time(last.Until)} ({last.Ended}), " +
                          $"{answer.Grant.Count} login(s) by {string.Join(", ", answer.Grant.Select(g => g.Account).Distinct())}");
        Console.WriteLine(answer.Messages.Count == 0 ? "  it let out no messages" : $"  it let out {answer.Messages.Count} message(s):");
        foreach (var m in answer.Messages)
            Console.WriteLine($"    {AuditOutput.Time(m.At)}  {m.MessageId ?? "(no Message-ID)"}  from <{m.Sender}>  to {m.Recipients} recipient(s)  " +
                              $"account {m.Account}  queue {m.QueueId}");
        return 0;
    }

    private static JsonObject TermJson(GrantHistory.Term t) => new()
    {
        ["account"] = t.Account,
        ["address"] = t.Address,
        ["listener"] = t.Listener,
        ["mechanism"] = t.Mechanism,
        ["node"] = t.Node,
        ["from"] = AuditOutput.Time(t.From),
        ["until"] = AuditOutput.Time(t.Until),
        ["ended"] = t.Ended,
    };

    /// <summary>ISO-8601 with <c>Z</c> or an offset; a time without a zone is refused rather than guessed.</summary>
    public static DateTime? Time(string? text, string option)
    {
        if (text is null) return null;
        var zoned = text.EndsWith('Z') || text.EndsWith('z') || System.Text.RegularExpressions.Regex.IsMatch(text, @"[+-]\d\d:?\d\d$");
        if (!zoned || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
            throw new CliError($"{option}: \"{text}\" is not an ISO-8601 time with a zone (e.g. 2026-11-27T10:42:00Z or 2026-11-27T11:42:00+01:00)");
        return time.UtcDateTime;
    }
}
