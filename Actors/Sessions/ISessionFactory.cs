using Akka.Actor;

namespace MailActors.Sessions;

/// <summary>Starts the session actor for a newly accepted connection, one per connection.</summary>
public interface ISessionFactory
{
    IActorRef Start(IClientConnection connection);
}
