using MailActors.Quotas;

namespace MailActors.Aliases;

/// <summary>What <c>alias add</c> refuses (docs/spec.md §4): targets that reach nothing here, and loops between aliases.</summary>
public static class AliasCheck
{
    /// <returns>null when the alias may be added; otherwise one line saying why not.</returns>
    public static async Task<string?> ProblemAsync(
        string address, IReadOnlyList<AliasTarget> targets, IRecipientLookups lookups, IReadOnlyList<string> localDomains, CancellationToken ct = default)
    {
        if (targets.Count == 0) return "name at least one target";
        var proposed = new WithAlias(lookups, address, targets.Select(t => t.ToString()).ToList());
        var resolver = new RecipientResolver(proposed, localDomains, Quota.Unlimited);
        if (await resolver.FindLoopAsync(address, ct) is { } loop) return $"alias loop: {string.Join(" -> ", loop)}";
        foreach (var target in targets)
        {
            switch (target)
            {
                case AliasTarget.Account account when await lookups.FindMailboxAsync(account.Name, ct) is null:
                    return $"no such account: {account.Name}";
                case AliasTarget.Local local when local.Address != address:
                    var at = local.Address.LastIndexOf('@');
                    if (await resolver.ResolveAsync(local.Address[..at], local.Address[(at + 1)..], ct) is RecipientResolution.Unknown)
                        return $"{local.Address} is neither an account nor an alias here";
                    break;
            }
        }
        return null;
    }

    /// <summary>The store's lookups as they would be with the proposed alias in place.</summary>
    private sealed class WithAlias(IRecipientLookups store, string address, IReadOnlyList<string> targets) : IRecipientLookups
    {
        public Task<MailboxUsage?> FindMailboxAsync(string account, CancellationToken ct = default) => store.FindMailboxAsync(account, ct);

        public Task<IReadOnlyList<string>?> FindAliasAsync(string alias, CancellationToken ct = default) =>
            alias == address ? Task.FromResult<IReadOnlyList<string>?>(targets) : store.FindAliasAsync(alias, ct);
    }
}
