namespace MailActors.Policy;

/// <summary>Messages of the policy singleton (<see cref="PolicyOwnerActor"/>). Every command is answered; they cross the network.</summary>
public static class PolicyOwnerProtocol
{
    /// <summary>What is the live policy? Answered with <see cref="Current"/>.</summary>
    public sealed class Get
    {
        public static readonly Get Instance = new();
    }

    /// <summary>The live policy; null only before the singleton adopted its first one.</summary>
    public sealed record Current(LivePolicy? Policy);

    /// <summary>
    /// Make <paramref name="Policy"/> (its version ignored) the live policy, asked by <paramref name="By"/> through
    /// <paramref name="Node"/>. Answered with <see cref="Changed"/> once persisted and on every node, or <see cref="Refused"/>.
    /// </summary>
    public sealed record Change(LivePolicy Policy, string By, string Node);

    /// <summary>The live policy now; <paramref name="Changes"/> is empty when the request changed nothing.</summary>
    public sealed record Changed(LivePolicy Policy, IReadOnlyList<PolicyChange> Changes);

    /// <summary>Nothing changed: the policy had bad values (one line each, as at start-up).</summary>
    public sealed record Refused(IReadOnlyList<string> Problems);
}
