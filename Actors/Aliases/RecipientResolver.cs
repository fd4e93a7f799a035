using System.Collections.Immutable;
using MailActors.Accounts;
using MailActors.Quotas;

namespace MailActors.Aliases;

/// <summary>The two questions the resolver asks the store; answered from the database, or from plain dictionaries in tests.</summary>
public interface IRecipientLookups
{
    /// <returns>null when there is no such account.</returns>
    Task<MailboxUsage?> FindMailboxAsync(string account, CancellationToken ct = default);

    /// <returns>the alias's targets as stored, in order; null when there is no such alias.</returns>
    Task<IReadOnlyList<string>?> FindAliasAsync(string address, CancellationToken ct = default);
}

/// <summary>
/// Expands a local address into accounts and remote addresses (docs/spec.md §4): an alias first (so an alias may
/// forward an account's own address), else the account of that name, else the domain's catch-all. Targets in a local
/// domain are resolved again; bare names are accounts. An expansion that comes back to an address on its own path is a
/// loop: aliases that make one are refused when added, and at RCPT the looping branch adds nothing.
/// Every account reached is first asked of <paramref name="accounts"/> (the local table or the directory), when given:
/// a disabled one takes no mail, and a directory user's mail goes to their canonical mailbox.
/// </summary>
public sealed class RecipientResolver(
    IRecipientLookups lookups, IReadOnlyList<string> localDomains, Quota defaults, IRecipientLookup? accounts = null)
{
    /// <summary>How deep aliases may nest, and how many lookups one address may cost: bounds on what the store is asked.</summary>
    public const int MaxDepth = 10, MaxLookups = 500;

    public async Task<RecipientResolution> ResolveAsync(string localPart, string domain, CancellationToken ct = default)
    {
        var walk = await WalkAsync(AliasAddress.Key(localPart, domain), ct);
        if (walk.Unavailable) return new RecipientResolution.Unavailable();
        if (walk.Full is { } full) return new RecipientResolution.Full(full);
        if (walk.Accounts.Count + walk.Forwards.Count > 0) return new RecipientResolution.Deliver(walk.Accounts, walk.Forwards);
        return walk.Disabled is { } disabled ? new RecipientResolution.Disabled(disabled) : new RecipientResolution.Unknown();
    }

    /// <summary>The addresses of the first loop met from <paramref name="address"/> (first and last equal), or null.</summary>
    public async Task<IReadOnlyList<string>?> FindLoopAsync(string address, CancellationToken ct = default) =>
        (await WalkAsync(address, ct)).Loop;

    private async Task<Walk> WalkAsync(string address, CancellationToken ct)
    {
        var walk = new Walk();
        await ExpandAsync(address, ImmutableList<string>.Empty, walk, ct);
        return walk;
    }

    private async Task ExpandAsync(string address, ImmutableList<string> path, Walk walk, CancellationToken ct)
    {
        if (path.Contains(address) || path.Count >= MaxDepth)
        {
            walk.Loop ??= path.Add(address);
            return;
        }
        if (!walk.Spend()) return;
        var here = path.Add(address);
        if (await lookups.FindAliasAsync(address, ct) is { } targets)
        {
            foreach (var target in targets) await TargetAsync(target, here, walk, ct);
            return;
        }
        var at = address.LastIndexOf('@');
        var (local, domain) = (address[..at], address[(at + 1)..]);
        if (local == "*") return;
        if (await MailboxAsync(local, walk, ct) is { } mailbox)
        {
            walk.Add(mailbox, defaults);
            return;
        }
        if (walk.IsDisabled(local)) return; // still an account: the catch-all does not take its mail
        await ExpandAsync(AliasAddress.CatchAll(domain), here, walk, ct);
    }

    private async Task TargetAsync(string stored, ImmutableList<string> path, Walk walk, CancellationToken ct)
    {
        switch (AliasTarget.Parse(stored, localDomains))
        {
            case AliasTarget.Account account:
                if (await MailboxAsync(account.Name, walk, ct) is { } mailbox) walk.Add(mailbox, defaults);
                break;
            case AliasTarget.Local local:
                await ExpandAsync(local.Address, path, walk, ct);
                break;
            case AliasTarget.Remote remote:
                if (!walk.Forwards.Contains(remote.Address, StringComparer.OrdinalIgnoreCase)) walk.Forwards.Add(remote.Address);
                break;
        }
    }

    private async Task<MailboxUsage?> MailboxAsync(string account, Walk walk, CancellationToken ct)
    {
        if (walk.Mailboxes.TryGetValue(account, out var known)) return known;
        if (!walk.Spend()) return null;
        return walk.Mailboxes[account] = await FindLiveMailboxAsync(account, walk, ct);
    }

    /// <summary>The mailbox an account name delivers to, or null when it is no account or is disabled (noted in the walk).</summary>
    private async Task<MailboxUsage?> FindLiveMailboxAsync(string account, Walk walk, CancellationToken ct)
    {
        if (accounts is null) return await lookups.FindMailboxAsync(account, ct);
        var found = await accounts.FindRecipientAsync(account);
        switch (found.Status)
        {
            case RecipientStatus.Active:
                return await lookups.FindMailboxAsync(found.Mailbox, ct);
            case RecipientStatus.Disabled:
                walk.Disable(account);
                return null;
            case RecipientStatus.Unavailable:
                walk.Unavailable = true;
                return null;
            default:
                return null;
        }
    }

    private sealed class Walk
    {
        private int _lookups;
        public readonly List<string> Accounts = [];
        public readonly List<string> Forwards = [];
        public readonly Dictionary<string, MailboxUsage?> Mailboxes = [];
        public string? Full;
        public IReadOnlyList<string>? Loop;
        public bool Unavailable;
        private readonly HashSet<string> _disabled = [];

        /// <summary>The first disabled account met: the answer when nothing live was reached (docs/spec.md §4, 550 5.2.1).</summary>
        public string? Disabled { get; private set; }

        public void Disable(string account)
        {
            _disabled.Add(account);
            Disabled ??= account;
        }

        public bool IsDisabled(string account) => _disabled.Contains(account);

        public bool Spend() => ++_lookups <= MaxLookups;

        public void Add(MailboxUsage mailbox, Quota defaults)
        {
            if (Accounts.Contains(mailbox.Account)) return;
            Accounts.Add(mailbox.Account);
            if (mailbox.IsFull(defaults)) Full ??= mailbox.Account;
        }
    }
}
