using Akka.Actor;
using MailActors.Authentication;
using MailActors.Sessions;
using MailActors.Storage;

namespace MailActors.Pop3;

/// <summary>What every POP3 session of one listener shares, besides the <see cref="SessionContext"/>.</summary>
public sealed record Pop3SessionDeps(
    SessionContext Session,
    Authenticator Authenticator,
    IActorRef Mailboxes,
    IActorRef Grants,
    IMessageStore Messages,
    ApopChallenge Challenges)
{
    /// <summary>Longer than SQLite's busy timeout (30 s), so that a slow commit is not reported as failed.</summary>
    public static readonly TimeSpan CommitTimeout = TimeSpan.FromSeconds(35);
}

/// <summary>One session actor per accepted POP3 connection.</summary>
public sealed class Pop3SessionFactory(ActorSystem system, Pop3SessionDeps deps) : ISessionFactory
{
    private readonly SessionStarter _sessions = SessionStarter.For(system);

    public IActorRef Start(IClientConnection connection) => _sessions.Start(Pop3SessionActor.Props(connection, deps), connection);
}
