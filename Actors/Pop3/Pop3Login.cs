using System.Net;
using Akka.Actor;
using MailActors.Authentication;
using MailActors.Grants;
using MailActors.Mailboxes;
using MailActors.Policy;
using MailActors.Sessions;
using static MailActors.Pop3.Pop3Effect;

namespace MailActors.Pop3;

/// <summary>The POP3 login effect (USER/PASS, APOP): the shared <see cref="Authenticator"/>, with the maildrop lock
/// and the POP-before-SMTP grant as its verified step (docs/spec.md §5, §7).</summary>
public static class Pop3Login
{
    /// <summary>Credentials, then the mailbox lock, then (from outside) the POP-before-SMTP grant, recorded before
    /// the +OK so that the client may send the moment it reads it.</summary>
    public static async Task<Pop3Step> RunAsync(Pop3State.Authorization state, Login login, IPAddress client, Zone zone,
        IActorRef self, Pop3SessionDeps deps)
    {
        var c = state.Connection;
        Maildrop? maildrop = null;
        var attempt = new LoginAttempt(client, login.Name, login.Secret, login.Mechanism, ListenerNames.Of(c.Listener), login.Rule, zone,
            c.ApopTimestamp);
        var outcome = await deps.Authenticator.AuthenticateAsync(attempt, async account =>
        {
            object locked;
            try
            {
                locked = await deps.Mailboxes.Ask(new MailboxProtocol.Acquire(account, self), SessionContext.AskTimeout);
            }
            catch (Exception e)
            {
                // The lock may still be granted after the ask gave up: give it back, or this session would hold it unknowingly.
                deps.Mailboxes.Tell(new MailboxProtocol.Release(account, self));
                deps.Session.Facts.Fault($"pop3 {c.Listener} {client}", "mailbox lock", e);
                return new LoginOutcome.Unavailable(e.Message);
            }
            if (locked is not MailboxProtocol.Acquired acquired)
                return locked is MailboxProtocol.InUse ? new LoginOutcome.InUse(account) : new LoginOutcome.Unavailable("mailbox lock refused");
            maildrop = Maildrop.Of(acquired.Messages);
            if (!zone.IsInside()) await EarnGrantAsync(client, account, login.Mechanism, deps);
            return new LoginOutcome.Succeeded(account);
        });
        return Pop3Machine.LoginEnded(state, outcome, maildrop);
    }

    /// <summary>Without the ledger the login still succeeds; sending from outside is then refused until a later
    /// login earns the grant.</summary>
    private static async Task EarnGrantAsync(IPAddress client, string account, Mechanism mechanism, Pop3SessionDeps deps)
    {
        var session = deps.Session;
        try
        {
            await deps.Grants.Ask<GrantLedgerProtocol.Earned>(new GrantLedgerProtocol.Earn(
                client.ToString(), account, session.ListenerName, MechanismNames.Of(mechanism), session.Node, DateTime.UtcNow),
                SessionContext.AskTimeout);
        }
        catch (Exception e)
        {
            session.Facts.Fault($"pop3 {session.ListenerName} {client}", $"POP-before-SMTP grant for {account}", e);
        }
    }
}
