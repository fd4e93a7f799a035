namespace MailActors.Policy;

/// <summary>What a session learns of the policy when it starts.</summary>
public static class PolicyProtocol
{
    /// <summary>
    /// The client's zone and the rows of the matrix that apply to its connection, under the policy in force when it
    /// connected: a session keeps it, whatever the live policy does meanwhile.
    /// </summary>
    public sealed record ConnectionPolicy(Zone Zone, ListenerKind Listener, PolicyTable Rules, bool BindSender = false)
    {
        public PolicyDecision Decide(Mechanism mechanism, bool tls) => Rules.Decide(Zone, Listener, mechanism, tls);
    }
}
