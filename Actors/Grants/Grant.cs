namespace MailActors.Grants;

/// <summary>A live grant: who earned it, how, and until when it may be honoured (exclusive).</summary>
public sealed record Grant(
    string Key, string Address, string Account, string Listener, string Mechanism, string Node, DateTime IssuedAt, DateTime ExpiresAt)
{
    public bool IsValidAt(DateTime now) => now < ExpiresAt;
}

/// <summary>
/// The terms grants are earned on (docs/spec.md §7), from the live policy: a new or renewed grant lasts <paramref name="Window"/>;
/// an IPv6 client's grant is held by its <paramref name="Ipv6Prefix"/>-bit prefix. A change applies from the next login or
/// lookup: grants already issued keep their expiry and their key.
/// </summary>
public sealed record GrantTerms(TimeSpan Window, int Ipv6Prefix);
