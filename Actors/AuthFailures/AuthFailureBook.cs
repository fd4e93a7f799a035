using MailActors.Configuration;

namespace MailActors.AuthFailures;

/// <summary>
/// Failed logins per client address and per account within a window (docs/spec.md §5): a growing delay before
/// each failure's reply, and a temporary block once a limit is reached. Plain state, no actor.
/// </summary>
public sealed class AuthFailureBook(AuthFailureSettings settings)
{
    private readonly Dictionary<string, List<DateTime>> _byAddress = new();
    private readonly Dictionary<string, List<DateTime>> _byAccount = new();
    private readonly Dictionary<string, DateTime> _blockedAddresses = new();
    private readonly Dictionary<string, DateTime> _blockedAccounts = new();

    public bool IsBlocked(string address, string account, DateTime now) =>
        (_blockedAddresses.TryGetValue(address, out var a) && a > now) ||
        (_blockedAccounts.TryGetValue(account, out var b) && b > now);

    /// <returns>how long to wait before telling the client, and whether the account or the address is now blocked.</returns>
    public (TimeSpan Delay, bool AccountBlocked, bool AddressBlocked) RecordFailure(string address, string account, DateTime now)
    {
        var fromAddress = Add(_byAddress, address, now);
        var forAccount = Add(_byAccount, account, now);
        var addressBlocked = fromAddress >= settings.PerAddress;
        if (addressBlocked) _blockedAddresses[address] = now + settings.Block;
        var accountBlocked = forAccount >= settings.PerAccount;
        if (accountBlocked) _blockedAccounts[account] = now + settings.Block;

        var doubled = settings.FirstDelay.Ticks * Math.Pow(2, Math.Min(fromAddress - 1, 30));
        return (TimeSpan.FromTicks((long)Math.Min(doubled, settings.MaxDelay.Ticks)), accountBlocked, addressBlocked);
    }

    public void Prune(DateTime now)
    {
        Prune(_byAddress, now);
        Prune(_byAccount, now);
        foreach (var key in _blockedAddresses.Where(kv => kv.Value <= now).Select(kv => kv.Key).ToList()) _blockedAddresses.Remove(key);
        foreach (var key in _blockedAccounts.Where(kv => kv.Value <= now).Select(kv => kv.Key).ToList()) _blockedAccounts.Remove(key);
    }

    private int Add(Dictionary<string, List<DateTime>> book, string key, DateTime now)
    {
        if (!book.TryGetValue(key, out var times)) book[key] = times = [];
        times.RemoveAll(t => t <= now - settings.Window);
        times.Add(now);
        return times.Count;
    }

    private void Prune(Dictionary<string, List<DateTime>> book, DateTime now)
    {
        foreach (var (key, times) in book.ToList())
        {
            times.RemoveAll(t => t <= now - settings.Window);
            if (times.Count == 0) book.Remove(key);
        }
    }
}
