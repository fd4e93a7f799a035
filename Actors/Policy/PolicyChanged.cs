using MailActors.Audit;

namespace MailActors.Policy;

/// <summary>
/// The policy singleton's event (docs/spec.md §2, 8), persisted hash-chained in its own stream: the live policy became
/// <paramref name="Policy"/> (version <paramref name="Version"/>). <paramref name="Changes"/> names each key that changed,
/// from what to what; <paramref name="By"/> is who asked (the administrator's OS user, or <c>configuration</c> when the
/// singleton adopted its node's configuration on its first start); <paramref name="Node"/> the node it came through.
/// </summary>
public sealed record PolicyChanged(
    long Version, IReadOnlyList<PolicyChange> Changes, string By, string Node, DateTime At, LivePolicy Policy) : IAuditFact;
