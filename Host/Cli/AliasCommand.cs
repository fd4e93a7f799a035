using System.CommandLine;
using MailActors.Aliases;
using MailActors.Host.Admin;

namespace MailActors.Host.Cli;

/// <summary>
/// <c>mailactors alias add ADDRESS TARGET... | alias del ADDRESS | alias list</c> (docs/spec.md §4, §12): straight on the
/// database, whether or not a node runs (sessions read aliases at every RCPT), audited as admin changes.
/// </summary>
public static class AliasCommand
{
    public static Command Build()
    {
        var alias = new Command("alias", "manage aliases: an address (or *@domain, the catch-all) delivered to accounts and remote addresses");
        var address = new Argument<string>("ADDRESS") { Description = "name@local-domain, or *@local-domain for names that are neither accounts nor aliases" };
        var targets = new Argument<string[]>("TARGET") { Description = "an account name, an address here, or a remote address", Arity = ArgumentArity.OneOrMore };

        var add = new Command("add", "create the alias, or replace its targets; loops between aliases are refused") { address, targets };
        add.SetAction(parse => UserCommands.Run(parse, async s =>
        {
            var domains = s.Settings.LocalDomains;
            var key = AliasAddress.Parse(parse.GetValue(address)!, domains, out var why) ?? throw new CliError(why);
            var parsed = parse.GetValue(targets)!
                .Select(t => AliasTarget.Parse(t, domains) ?? throw new CliError($"\"{t}\" is not an account name or a plain address (name@domain)"))
                .DistinctBy(t => t.ToString().ToLowerInvariant())
                .ToList();
            if (await AliasCheck.ProblemAsync(key, parsed, s.Mailboxes, domains) is { } problem) throw new CliError($"alias {key} not added: {problem}");
            var replaced = await s.Mailboxes.FindAliasAsync(key) is not null;
            var list = parsed.Select(t => t.ToString()).ToList();
            await s.Mailboxes.SetAliasAsync(key, list);
            await AdminAudit.RecordAsync(CommonOptions.Load(parse), replaced ? "alias replace" : "alias add", $"{key} -> {string.Join(", ", list)}");
            Console.WriteLine($"{(replaced ? "replaced" : "added")} {key} -> {string.Join(", ", list)}");
        }));

        var del = new Command("del", "remove an alias") { address };
        del.SetAction(parse => UserCommands.Run(parse, async s =>
        {
            var key = AliasAddress.Parse(parse.GetValue(address)!, s.Settings.LocalDomains, out var why) ?? throw new CliError(why);
            if (!await s.Mailboxes.DeleteAliasAsync(key)) throw new CliError($"no such alias: {key}");
            await AdminAudit.RecordAsync(CommonOptions.Load(parse), "alias del", key);
            Console.WriteLine($"deleted {key}");
        }));

        var list = new Command("list", "one line per alias: address, then its targets");
        list.SetAction(parse => UserCommands.Run(parse, async s =>
        {
            foreach (var a in await s.Mailboxes.ListAliasesAsync())
                Console.WriteLine($"{a.Address}\t{string.Join(", ", a.Targets)}");
        }));

        alias.Subcommands.Add(add);
        alias.Subcommands.Add(del);
        alias.Subcommands.Add(list);
        return alias;
    }
}
