using System.CommandLine;
using MailActors.Grants;
using MailActors.Host.Admin;

namespace MailActors.Host.Cli;

/// <summary><c>mailactors grants [list]</c>, <c>mailactors grants revoke ADDRESS</c> — through the running node, else the journal.</summary>
public static class GrantsCommand
{
    public static Command Build()
    {
        var grants = new Command("grants", "live POP-before-SMTP grants");
        var list = new Command("list", "list the live grants");
        grants.SetAction(parse => ListAsync(parse));
        list.SetAction(parse => ListAsync(parse));

        var address = new Argument<string>("ADDRESS") { Description = "an IPv4 address, or an IPv6 address or prefix" };
        var revoke = new Command("revoke", "revoke the grant of an address") { address };
        revoke.SetAction(async parse =>
        {
            var config = CommonOptions.Load(parse);
            var text = parse.GetValue(address)!;
            var key = GrantKey.Parse(text, config.Settings.PopBeforeSmtp.Ipv6Prefix)
                      ?? throw new CliError($"not an address or /{config.Settings.PopBeforeSmtp.Ipv6Prefix} prefix: {text}");
            var count = (await new AdminClient(config.Settings).PostAsync<RevokedView>($"grants/revoke?address={Uri.EscapeDataString(text)}"))?.Revoked
                        ?? (await OfflineLedger.AskAsync<GrantLedgerProtocol.Revoked>(config,
                            new GrantLedgerProtocol.RevokeKey(key, "revoked by an administrator"))).Grants.Count;
            if (count == 0) throw new CliError($"no live grant for {text}");
            await AdminAudit.RecordAsync(config, "grants revoke", key);
            Console.WriteLine($"revoked {count} grant(s) for {key}");
            return 0;
        });
        grants.Subcommands.Add(list);
        grants.Subcommands.Add(revoke);
        return grants;
    }

    private static async Task<int> ListAsync(ParseResult parse)
    {
        var config = CommonOptions.Load(parse);
        var live = await new AdminClient(config.Settings).GetAsync<List<GrantView>>("grants")
                   ?? (await OfflineLedger.AskAsync<GrantLedgerProtocol.Live>(config, GrantLedgerProtocol.List.Instance)).Grants.Select(GrantView.Of).ToList();
        if (live.Count == 0) Console.WriteLine("no live grants");
        foreach (var grant in live) Console.WriteLine(grant.Line());
        return 0;
    }

    /// <summary>After an account's password, APOP secret or existence changed: its grants go, on the running node or in the journal.</summary>
    public static async Task RevokeAccountAsync(Configuration.LoadedConfig config, string account, string reason)
    {
        var revoked = await new AdminClient(config.Settings).PostAsync<RevokedView>(
            $"accounts/{Uri.EscapeDataString(account)}/changed?reason={Uri.EscapeDataString(reason)}");
        if (revoked is null)
            await OfflineLedger.AskAsync<GrantLedgerProtocol.Revoked>(config, new GrantLedgerProtocol.RevokeAccount(account, reason));
    }
}
