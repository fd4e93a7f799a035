using System.CommandLine;
using MailActors.Host.Admin;
using MailActors.Policy;

namespace MailActors.Host.Cli;

/// <summary>
/// <c>mailactors policy show</c> (the live policy and its version: from the running node, else replayed from the journal)
/// and <c>mailactors policy reload</c> (the policy keys of the command's --config files, validated as at start-up, made
/// live cluster-wide through the running node's admin endpoint) — docs/spec.md §12.
/// </summary>
public static class PolicyCommand
{
    public static Command Build()
    {
        var policy = new Command("policy", "the live policy (networks.*, pop-before-smtp.*, policy.*)");
        var show = new Command("show", "print the live policy and its version");
        show.SetAction(async parse =>
        {
            var config = CommonOptions.Load(parse);
            var live = await new AdminClient(config.Settings).GetAsync<LivePolicy>("policy");
            var source = "";
            if (live is null)
            {
                live = await OfflinePolicy.ReadAsync(config)
                       ?? throw new CliError("no live policy yet: the first node to start adopts its configuration");
                source = " (from the journal: no node answers on mailactors.admin.http)";
            }
            Console.WriteLine($"version: {live.Version}{source}");
            foreach (var (key, value) in live.Settings()) Console.WriteLine($"{key} = {value}");
            return 0;
        });

        var reload = new Command("reload", "read the policy keys from the --config files and make them live on every node");
        reload.SetAction(async parse =>
        {
            var config = CommonOptions.Load(parse); // a bad value stops here, with the line start-up would give
            var proposed = LivePolicy.FromSettings(config.Settings);
            var answer = await new AdminClient(config.Settings).PostJsonAsync<PolicyChangeView>(
                             $"policy?by={Uri.EscapeDataString(Environment.UserName)}", proposed)
                         ?? throw new CliError("no node answers on mailactors.admin.http: the policy is changed through a running node");
            if (answer.Changes.Count == 0)
            {
                Console.WriteLine($"policy version {answer.Version} unchanged: the configuration matches the live policy");
                return 0;
            }
            Console.WriteLine($"policy version {answer.Version} is live:");
            foreach (var change in answer.Changes) Console.WriteLine($"  {change.Key}: {change.From} -> {change.To}");
            return 0;
        });
        policy.Subcommands.Add(show);
        policy.Subcommands.Add(reload);
        return policy;
    }
}
