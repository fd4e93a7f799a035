using Akka.Actor;

namespace MailActors.Sessions;

/// <summary>Starts the session actor for a newly accepted connection, one per connection.</summary>
public interface ISessionFactory
{
    IActorRef Start(IClientConnection connection);
}

public static class SessionProps
{
    /// <summary>The session runs on its connection's dispatcher when Transport offers one (issue 16).</summary>
    public static Props OnConnectionThread(this Props props, IClientConnection connection) =>
        connection.Dispatcher is { } dispatcher ? props.WithDispatcher(dispatcher) : props;
}
