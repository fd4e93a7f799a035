using System.Net;

namespace MailActors.Grants;

/// <summary>
/// Messages of the grant ledger singleton. Every command is answered. They cross the network in a cluster, so
/// addresses travel as text (IPAddress does not serialize).
/// </summary>
public static class GrantLedgerProtocol
{
    /// <summary>A POP login from outside succeeded: issue or renew the grant of its address. Answered with <see cref="Earned"/> once persisted.</summary>
    public sealed record Earn(string Address, string Account, string Listener, string Mechanism, string Node, DateTime At);

    public sealed record Earned(Grant Grant);

    /// <summary>Does a grant cover this address now? Answered with <see cref="CheckResult"/>.</summary>
    public sealed record Check(string Address);

    public sealed record CheckResult(Grant? Grant);

    /// <summary>Revoke the grant of an address or IPv6 prefix (an administrator).</summary>
    public sealed record RevokeKey(string Key, string Reason);

    /// <summary>Revoke every grant of an account (password or APOP change, deletion, brute-force block).</summary>
    public sealed record RevokeAccount(string Account, string Reason);

    /// <summary>Revoke whatever grant covers this address (a brute-force block of the address).</summary>
    public sealed record RevokeAddress(string Address, string Reason);

    public sealed record Revoked(IReadOnlyList<Grant> Grants);

    public sealed class List
    {
        public static readonly List Instance = new();
    }

    public sealed record Live(IReadOnlyList<Grant> Grants);
}

/// <summary>What a snapshot of the ledger holds: the grants live when it was taken, and the hash its chain goes on from.</summary>
public sealed record GrantLedgerSnapshot(IReadOnlyList<Grant> Grants, string? LastHash = null);
