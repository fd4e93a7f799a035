using Akka.Actor;

namespace MailActors.Policy;

/// <summary>
/// The policy actor (one per node: the matrix is configuration): classifies client addresses and hands each session
/// the part of the matrix that applies to it, so no further round trip is needed per command.
/// </summary>
public sealed class PolicyActor : ReceiveActor
{
    public PolicyActor(ZoneClassifier classifier, PolicyTable table)
    {
        Receive<PolicyProtocol.Classify>(ask =>
        {
            var zone = classifier.Classify(ask.Address);
            Sender.Tell(new PolicyProtocol.ConnectionPolicy(zone, ask.Listener, table.For(zone, ask.Listener)));
        });
    }

    public static Props Props(ZoneClassifier classifier, PolicyTable table) =>
        Akka.Actor.Props.Create(() => new PolicyActor(classifier, table));
}
