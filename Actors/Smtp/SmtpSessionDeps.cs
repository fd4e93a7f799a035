using Akka.Actor;
using MailActors.Aliases;
using MailActors.Authentication;
using MailActors.Grants;
using MailActors.Sessions;
using MailActors.Storage;

namespace MailActors.Smtp;

/// <summary>What every SMTP session of one listener shares, besides the <see cref="SessionContext"/>;
/// <paramref name="Commits"/> is the node's, shared by every listener.</summary>
public sealed record SmtpSessionDeps(
    SessionContext Session,
    Authenticator Authenticator,
    IGrantLookup GrantLookup,
    RecipientResolver Recipients,
    IMailIntake Intake,
    CommitBudget Commits)
{
    /// <summary>Where DATA past <c>limits.data-in-memory</c> goes (docs/spec.md §14).</summary>
    public MessageSpool Spool { get; } = MessageSpool.Open(Session.Settings.DataDir, Session.Settings.Limits.DataInMemory);
}

/// <summary>One session actor per accepted SMTP connection.</summary>
public sealed class SmtpSessionFactory(ActorSystem system, SmtpSessionDeps deps) : ISessionFactory
{
    private readonly SessionStarter _sessions = SessionStarter.For(system);

    public IActorRef Start(IClientConnection connection) => _sessions.Start(SmtpSessionActor.Props(connection, deps), connection);
}
