using System.Net;
using MailActors.Configuration;

namespace MailActors.Policy;

/// <summary>
/// The policy this node enforces now, with the classifier and matrix built from it, for whatever on the node reads it
/// without asking an actor: the listeners (trusted proxies, on the network threads), the sessions (their zone and rows
/// of the matrix, once per connection: issue 16), the grant ledger and grant lookups (window, IPv6 prefix), the admin
/// endpoint. Starts as the node's own configuration (version 0); only this node's <see cref="PolicyActor"/> moves it
/// on, from its replica of the live policy.
/// </summary>
public sealed class EnforcedPolicy(MailActorsSettings settings)
{
    /// <summary>One version, ready to use.</summary>
    public sealed record InForce(LivePolicy Policy, ZoneClassifier Classifier, PolicyTable Table)
    {
        /// <summary>The client's zone and the rows of the matrix that apply to its connection to <paramref name="listener"/>.</summary>
        public PolicyProtocol.ConnectionPolicy For(IPAddress client, ListenerKind listener)
        {
            var zone = Classifier.Classify(client);
            return new(zone, listener, Table.For(zone, listener), Policy.BindSender);
        }
    }

    private InForce _current = Build(settings, LivePolicy.FromSettings(settings));

    public InForce Current => Volatile.Read(ref _current);

    public LivePolicy Policy => Current.Policy;

    public void Enforce(LivePolicy policy) => Volatile.Write(ref _current, Build(settings, policy));

    private static InForce Build(MailActorsSettings settings, LivePolicy policy) =>
        new(policy, new ZoneClassifier(policy.Networks()), PolicyTable.Build(settings, policy));
}
