using Akka.Actor;
using MailActors.Accounts;
using MailActors.Configuration;
using MailActors.Grants;
using MailActors.Policy;
using MailActors.Sessions;
using MailActors.Storage;

namespace MailActors.Smtp;

/// <summary>What every SMTP session of one listener shares.</summary>
public sealed record SmtpSessionDeps(
    MailActorsSettings Settings,
    ListenerKind Listener,
    IActorRef Policy,
    IActorRef AuthFailures,
    IActorRef Grants,
    IGrantLookup GrantLookup,
    IActorRef Audit,
    string Node,
    AccountDirectory Accounts,
    IAccountStore AccountStore,
    IMailIntake Intake,
    ConnectionLimiter Limiter)
{
    public static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Where DATA past <c>limits.data-in-memory</c> goes (docs/spec.md §14).</summary>
    public MessageSpool Spool { get; } = MessageSpool.Open(Settings.DataDir, Settings.Limits.DataInMemory);
}

/// <summary>One session actor per accepted SMTP connection.</summary>
public sealed class SmtpSessionFactory(ActorSystem system, SmtpSessionDeps deps) : ISessionFactory
{
    public IActorRef Start(IClientConnection connection) =>
        system.ActorOf(SmtpSessionActor.Props(connection, deps));
}
