using MailActors.Configuration;

namespace MailActors.AuthFailures;

/// <summary>How a reserved login attempt ended.</summary>
public enum AttemptResult
{
    /// <summary>The secret was right: the address becomes a known address of the account.</summary>
    Succeeded,
    /// <summary>The secret was checked and was wrong: a failure.</summary>
    Failed,
    /// <summary>Nothing was learnt (store unavailable, account disabled): the reservation is given back.</summary>
    Released,
}

/// <summary>What a settled attempt means: the delay before the reply, and whether it blocked the account or the address.</summary>
public sealed record Settlement(TimeSpan Delay, bool AccountBlocked, bool AddressBlocked)
{
    public static readonly Settlement None = new(TimeSpan.Zero, false, false);
}

/// <summary>
/// Failed logins per client (an IPv4 address or IPv6 /64) and per account within a window (docs/spec.md §5, §14).
/// An attempt is reserved before its password is checked and counts as a failure until it is settled, so parallel
/// guesses never get more checks than the limits; a growing delay before each failure's reply; a temporary block
/// once a limit is reached. A per-account block does not apply to the addresses the account logged in from
/// successfully within <c>known-address-for</c> (at most <see cref="KnownAddressesPerAccount"/> each, the most
/// recent), so a stranger cannot lock its owner out. Plain state, no actor.
/// </summary>
public sealed class AuthFailureBook(AuthFailureSettings settings)
{
    public const int KnownAddressesPerAccount = 16;

    /// <summary>A reservation its session never settled (it died) is dropped after this.</summary>
    public static readonly TimeSpan ReservationLifetime = TimeSpan.FromMinutes(2);

    private readonly Dictionary<string, List<DateTime>> _byAddress = new();
    private readonly Dictionary<string, List<DateTime>> _byAccount = new();
    private readonly Dictionary<string, DateTime> _blockedAddresses = new();
    private readonly Dictionary<string, DateTime> _blockedAccounts = new();
    private readonly Dictionary<long, (string Address, string Account, DateTime At)> _reserved = new();
    private readonly Dictionary<string, Dictionary<string, DateTime>> _known = new();
    private long _lastId;

    /// <returns>the reservation's id, or null when the address or the account is blocked (<see cref="IsBlocked"/>) or
    /// the attempts in flight already take what is left of a limit (then another may be reserved once one settles).</returns>
    public long? Reserve(string address, string account, DateTime now)
    {
        if (IsBlocked(address, account, now)) return null;
        if (Count(_byAddress, address, now) + _reserved.Values.Count(r => r.Address == address) >= settings.PerAddress) return null;
        if (!IsKnown(account, address, now) && Count(_byAccount, account, now) + _reserved.Values.Count(r => r.Account == account) >= settings.PerAccount)
            return null;
        _reserved[++_lastId] = (address, account, now);
        return _lastId;
    }

    /// <summary>Whether logins from the address to the account are refused now, whatever the attempts in flight do.</summary>
    public bool IsBlocked(string address, string account, DateTime now)
    {
        if (_blockedAddresses.TryGetValue(address, out var a) && a > now) return true;
        if (Count(_byAddress, address, now) >= settings.PerAddress) return true;
        if (IsKnown(account, address, now)) return false;
        return (_blockedAccounts.TryGetValue(account, out var b) && b > now) || Count(_byAccount, account, now) >= settings.PerAccount;
    }

    /// <summary>Ends a reservation. An id this book does not hold (the tracker moved to another node meanwhile) still
    /// counts: a failure as a failure, a success as a known address.</summary>
    public Settlement Settle(long id, string address, string account, AttemptResult result, DateTime now)
    {
        _reserved.Remove(id);
        switch (result)
        {
            case AttemptResult.Succeeded:
                Remember(account, address, now);
                return Settlement.None;
            case AttemptResult.Failed:
                return RecordFailure(address, account, now);
            default:
                return Settlement.None;
        }
    }

    private Settlement RecordFailure(string address, string account, DateTime now)
    {
        var fromAddress = Add(_byAddress, address, now);
        var forAccount = Add(_byAccount, account, now);
        var addressBlocked = fromAddress >= settings.PerAddress;
        if (addressBlocked) _blockedAddresses[address] = now + settings.Block;
        var accountBlocked = forAccount >= settings.PerAccount;
        if (accountBlocked) _blockedAccounts[account] = now + settings.Block;

        var doubled = settings.FirstDelay.Ticks * Math.Pow(2, Math.Min(fromAddress - 1, 30));
        return new Settlement(TimeSpan.FromTicks((long)Math.Min(doubled, settings.MaxDelay.Ticks)), accountBlocked, addressBlocked);
    }

    private bool IsKnown(string account, string address, DateTime now) =>
        _known.TryGetValue(account, out var addresses) && addresses.TryGetValue(address, out var at) && at > now - settings.KnownAddressFor;

    private void Remember(string account, string address, DateTime now)
    {
        if (!_known.TryGetValue(account, out var addresses)) _known[account] = addresses = new Dictionary<string, DateTime>();
        addresses[address] = now;
        if (addresses.Count > KnownAddressesPerAccount) addresses.Remove(addresses.MinBy(kv => kv.Value).Key);
    }

    public void Prune(DateTime now)
    {
        Prune(_byAddress, now);
        Prune(_byAccount, now);
        foreach (var key in _blockedAddresses.Where(kv => kv.Value <= now).Select(kv => kv.Key).ToList()) _blockedAddresses.Remove(key);
        foreach (var key in _blockedAccounts.Where(kv => kv.Value <= now).Select(kv => kv.Key).ToList()) _blockedAccounts.Remove(key);
        foreach (var id in _reserved.Where(kv => kv.Value.At <= now - ReservationLifetime).Select(kv => kv.Key).ToList()) _reserved.Remove(id);
        foreach (var (account, addresses) in _known.ToList())
        {
            foreach (var old in addresses.Where(kv => kv.Value <= now - settings.KnownAddressFor).Select(kv => kv.Key).ToList()) addresses.Remove(old);
            if (addresses.Count == 0) _known.Remove(account);
        }
    }

    private int Count(Dictionary<string, List<DateTime>> book, string key, DateTime now) =>
        book.TryGetValue(key, out var times) ? times.Count(t => t > now - settings.Window) : 0;

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
