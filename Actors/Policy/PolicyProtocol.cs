using System.Net;

namespace MailActors.Policy;

/// <summary>Messages of the policy actor.</summary>
public static class PolicyProtocol
{
    /// <summary>Asked once per connection by a session.</summary>
    public sealed record Classify(IPAddress Address, ListenerKind Listener);

    /// <summary>The client's zone and the rows of the matrix that apply to its connection.</summary>
    public sealed record ConnectionPolicy(Zone Zone, ListenerKind Listener, PolicyTable Rules)
    {
        public PolicyDecision Decide(Mechanism mechanism, bool tls) => Rules.Decide(Zone, Listener, mechanism, tls);
    }
}
