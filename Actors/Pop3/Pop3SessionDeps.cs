using Akka.Actor;
using MailActors.Accounts;
using MailActors.Configuration;
using MailActors.Policy;
using MailActors.Sessions;
using MailActors.Storage;

namespace MailActors.Pop3;

/// <summary>What every POP3 session of one listener shares.</summary>
public sealed record Pop3SessionDeps(
    MailActorsSettings Settings,
    ListenerKind Listener,
    IActorRef Policy,
    IActorRef AuthFailures,
    IActorRef Mailboxes,
    IActorRef Grants,
    IActorRef Audit,
    string Node,
    AccountDirectory Accounts,
    IMessageStore Messages,
    ApopChallenge Challenges,
    ConnectionLimiter Limiter)
{
    public static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Longer than SQLite's busy timeout (30 s), so that a slow commit is not reported as failed.</summary>
    public static readonly TimeSpan CommitTimeout = TimeSpan.FromSeconds(35);
}

/// <summary>One session actor per accepted POP3 connection.</summary>
public sealed class Pop3SessionFactory(ActorSystem system, Pop3SessionDeps deps) : ISessionFactory
{
    public IActorRef Start(IClientConnection connection) =>
        system.ActorOf(Pop3SessionActor.Props(connection, deps));
}
