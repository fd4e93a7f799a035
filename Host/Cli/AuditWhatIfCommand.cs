using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Akka.Configuration;
using MailActors.Audit;
using MailActors.Host.Audit;
using MailActors.Policy;

namespace MailActors.Host.Cli;

/// <summary>
/// <c>mailactors audit what-if [--window D] [--internal CIDR]... [--dialup CIDR]... [--since T] [--until T]</c>
/// (docs/spec.md §8): the recorded logins and relay decisions replayed under another policy, offline. Each list given
/// replaces the configured one; the others stay as configured.
/// </summary>
public static class AuditWhatIfCommand
{
    public static Command Build()
    {
        var window = new Option<string>("--window") { Description = "the POP-before-SMTP window to try, as in the configuration (90s, 2m)" };
        var inside = new Option<string[]>("--internal") { Description = "an internal network (CIDR, repeatable): replaces networks.internal", DefaultValueFactory = _ => [] };
        var dialup = new Option<string[]>("--dialup") { Description = "a dial-up network (CIDR, repeatable): replaces networks.dialup", DefaultValueFactory = _ => [] };
        var since = new Option<string>("--since") { Description = "relay decisions from this time on (ISO-8601)" };
        var until = new Option<string>("--until") { Description = "relay decisions before this time (ISO-8601)" };
        var format = new Option<string>("--format") { Description = "table or json", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        var whatIf = new Command("what-if", "what the recorded traffic would have met under another window or other networks")
        {
            window, inside, dialup, since, until, format,
        };
        whatIf.SetAction(async parse =>
        {
            var config = CommonOptions.Load(parse);
            var settings = config.Settings;
            var networks = settings.Networks with
            {
                Internal = Cidrs(parse.GetValue(inside)!, "--internal") ?? settings.Networks.Internal,
                Dialup = Cidrs(parse.GetValue(dialup)!, "--dialup") ?? settings.Networks.Dialup,
            };
            var tried = settings with
            {
                Networks = networks,
                PopBeforeSmtp = settings.PopBeforeSmtp with { Window = Duration(parse.GetValue(window)) ?? settings.PopBeforeSmtp.Window },
            };
            var replay = new WhatIf(new WhatIfPolicy(new ZoneClassifier(networks), PolicyTable.FromSettings(tried), tried.PopBeforeSmtp.Window,
                tried.PopBeforeSmtp.Ipv6Prefix, AuditCommand.Time(parse.GetValue(since), "--since"), AuditCommand.Time(parse.GetValue(until), "--until")));

            await using var journal = AuditJournal.Open(config.Settings);
            await foreach (var entry in journal.ReadAllAsync(WhatIf.LoginFacts)) replay.Logins(entry);
            await foreach (var entry in journal.ReadAllAsync(WhatIf.RelayFacts)) replay.Relays(entry);
            var report = replay.Report();
            var w = tried.PopBeforeSmtp.Window;
            if (parse.GetValue(format) == "json")
            {
                Console.WriteLine(new JsonObject
                {
                    ["window"] = w.ToString("c", CultureInfo.InvariantCulture),
                    ["internal"] = new JsonArray(networks.Internal.Select(n => (JsonNode)n.ToString()).ToArray()),
                    ["dialup"] = new JsonArray(networks.Dialup.Select(n => (JsonNode)n.ToString()).ToArray()),
                    ["relayed"] = report.Relayed,
                    ["would_be_refused"] = report.WouldBeRefused,
                    ["refused"] = report.Refused,
                    ["would_pass"] = report.WouldPass,
                    ["logins"] = report.Logins,
                    ["logins_would_be_refused"] = report.LoginsWouldBeRefused,
                    ["changes"] = new JsonArray(report.Changes.Select(c => (JsonNode)new JsonObject
                    {
                        ["account"] = c.Account, ["address"] = c.Address, ["would_be_refused"] = c.WouldBeRefused, ["would_pass"] = c.WouldPass,
                    }).ToArray()),
                }.ToJsonString(AuditOutput.Compact));
                return 0;
            }
            Console.WriteLine($"networks: internal {string.Join(", ", networks.Internal)}; dial-up {(networks.Dialup.Count == 0 ? "none" : string.Join(", ", networks.Dialup))}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"with a {Describe(w)} window, {report.WouldBeRefused:N0} of {report.Relayed:N0} relayed messages from {report.AccountsRefused:N0} account(s) " +
                $"would have been refused, and {report.WouldPass:N0} of {report.Refused:N0} refused relays would have passed"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{report.LoginsWouldBeRefused:N0} of {report.Logins:N0} POP3 logins would have been refused"));
            if (report.Changes.Count == 0) return 0;
            Console.WriteLine($"{"ACCOUNT",-16} {"ADDRESS",-40} {"WOULD-BE-REFUSED",16} {"WOULD-PASS",10}");
            foreach (var c in report.Changes) Console.WriteLine($"{c.Account,-16} {c.Address,-40} {c.WouldBeRefused,16} {c.WouldPass,10}");
            return 0;
        });
        return whatIf;
    }

    private static IReadOnlyList<IPNetwork>? Cidrs(string[] given, string option) => given.Length == 0 ? null
        : given.Select(t => IPNetwork.TryParse(t, out var n) ? n : throw new CliError($"{option}: \"{t}\" is not a CIDR network (like 10.0.0.0/8)")).ToList();

    private static TimeSpan? Duration(string? text)
    {
        if (text is null) return null;
        try
        {
            var d = ConfigurationFactory.ParseString("d = " + text).GetTimeSpan("d", allowInfinite: false);
            return d > TimeSpan.Zero ? d : throw new CliError($"--window: {text} is not a positive duration");
        }
        catch (Exception e) when (e is not CliError)
        {
            throw new CliError($"--window: \"{text}\" is not a duration (like 90s or 2m)");
        }
    }

    private static string Describe(TimeSpan w) =>
        w.TotalMinutes >= 1 && w.Seconds == 0 ? $"{w.TotalMinutes:0}-minute" : $"{w.TotalSeconds:0.###}-second";
}
