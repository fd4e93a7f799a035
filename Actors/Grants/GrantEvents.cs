namespace MailActors.Grants;

/// <summary>A fact of the POP-before-SMTP grant ledger (docs/spec.md §7), persisted and replayed. Times are UTC.</summary>
public interface IGrantEvent
{
    string Key { get; }
    string Account { get; }
    string Node { get; }
    DateTime At { get; }
}

/// <summary>A POP login from <paramref name="Address"/> earned a grant for <paramref name="Key"/>, valid until <paramref name="ExpiresAt"/>.</summary>
public sealed record GrantIssued(
    string Key, string Address, string Account, string Listener, string Mechanism, string Node, DateTime At, DateTime ExpiresAt) : IGrantEvent;

/// <summary>A new login while the grant was live: valid longer, possibly for another account.</summary>
public sealed record GrantRenewed(
    string Key, string Address, string Account, string Listener, string Mechanism, string Node, DateTime At, DateTime ExpiresAt) : IGrantEvent;

public sealed record GrantExpired(string Key, string Account, string Node, DateTime At) : IGrantEvent;

/// <summary>Taken away before its time: by an administrator, a password or APOP-secret change, a deleted account, a brute-force block.</summary>
public sealed record GrantRevoked(string Key, string Account, string Reason, string Node, DateTime At) : IGrantEvent;
