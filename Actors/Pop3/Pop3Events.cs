using System.Net;
using MailActors.Policy;

namespace MailActors.Pop3;

/// <summary>Facts POP3 sessions publish on the event stream for other parts (grants, audit) to pick up.</summary>
public static class Pop3Events
{
    public sealed record LoggedIn(IPAddress Address, Zone Zone, string Account, ListenerKind Listener, Mechanism Mechanism, string Rule, DateTime Utc);
}
