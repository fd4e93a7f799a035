namespace MailActors.Grants;

/// <summary>A live grant: who earned it, how, and until when it may be honoured (exclusive).</summary>
public sealed record Grant(
    string Key, string Address, string Account, string Listener, string Mechanism, string Node, DateTime IssuedAt, DateTime ExpiresAt)
{
    public bool IsValidAt(DateTime now) => now < ExpiresAt;
}
