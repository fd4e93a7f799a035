using System.Net;
using Akka.Actor;
using MailActors.Audit;
using MailActors.Authentication;
using MailActors.Grants;
using MailActors.Mailboxes;
using MailActors.Policy;
using MailActors.Sessions;
using static MailActors.Pop3.Pop3Effect;

namespace MailActors.Pop3;

/// <summary>
/// One POP3 connection: the shared <see cref="SessionActor{TStep}"/> shell around <see cref="Pop3Machine"/>, carrying
/// out its effects (logins, message reads, TLS, the UPDATE commit).
/// </summary>
public sealed class Pop3SessionActor(IClientConnection connection, Pop3SessionDeps deps)
    : SessionActor<Pop3Step>(connection, deps.Session, Replies)
{
    private Pop3State _state = null!;
    private RefusalRecorder<Pop3Effect.PolicyRefused, (Mechanism Mechanism, string Rule)>? _refusals;
    private readonly MailboxActivity _activity = new(); // docs/spec.md §8: one fact per session
    private IReadOnlyList<string> _deleting = [];
    private string _ended = "closed";

    public static Props Props(IClientConnection connection, Pop3SessionDeps deps) =>
        Akka.Actor.Props.Create(() => new Pop3SessionActor(connection, deps));

    private static readonly SessionReplies Replies = new("pop3", Pop3Reply.TooManyConnections, Pop3Reply.TryLater, Pop3Reply.Autologout);

    protected override Pop3Step Greet(PolicyProtocol.ConnectionPolicy policy)
    {
        var listener = Session.Listener;
        _refusals = RefusalsOf(policy.Zone);
        return Pop3Machine.Greet(Pop3State.Start(new Pop3Connection(
            Session.Settings.Hostname, listener, policy, Connection.IsTls,
            StlsOffered: listener == ListenerKind.Pop3,
            ApopTimestamp: listener == ListenerKind.Apop ? deps.Challenges.Next() : null,
            Pop3sPort: Session.Settings.PortOf(ListenerKind.Pop3s))));
    }

    protected override Pop3Step Handle(ConnectionEvents.Line line) =>
        line.TooLong ? Pop3Machine.LineTooLong(_state) : Pop3Machine.Handle(_state, line.Text);

    protected override void Apply(Pop3Step step)
    {
        if (_state is Pop3State.Transaction t && step.Effects.Any(e => e is Commit))
            _deleting = t.Maildrop.Deleted.Select(n => t.Maildrop[n].Uidl).ToList();
        _state = step.State;
        foreach (var effect in step.Effects)
        {
            switch (effect)
            {
                case Reply reply:
                    Connection.Write(reply.Text);
                    break;
                case Close close:
                    _ended = close.Outcome;
                    Finish(null, close.Outcome);
                    return;
                case Login login:
                    Run(Pop3Login.RunAsync((Pop3State.Authorization)_state, login, Client, Policy!.Zone, Self, deps));
                    return;
                case SendMessage send:
                    Run(SendAsync(_state, send));
                    return;
                case StartTls tls:
                    var authorization = (Pop3State.Authorization)_state;
                    StartTls(tls.ReadyReply, () => Pop3Machine.TlsStarted(authorization));
                    return;
                case Commit commit:
                    Run(CommitAsync(_state, commit, Self, deps));
                    return;
                case Retrieved retrieved:
                    _activity.Retrieve(retrieved.Uidl, retrieved.MessageId);
                    break;
                case Pop3Effect.PolicyRefused refused:
                    _refusals!.Record(refused, DateTime.UtcNow);
                    break;
            }
        }
    }

    private RefusalRecorder<Pop3Effect.PolicyRefused, (Mechanism Mechanism, string Rule)> RefusalsOf(Zone zone)
    {
        var (client, listener, node) = (Client.ToString(), Session.ListenerName, Session.Node);
        return new(Session.Facts, r => (r.Mechanism, r.Rule),
            (r, at) => new Audit.PolicyRefused(client, r.Name is null ? null : Authenticator.Printable(r.Name), listener,
                MechanismNames.Of(r.Mechanism), r.Rule, ZoneNames.Of(zone), node, at),
            (kind, repeats) => new PolicyRefusedRepeated(client, listener, MechanismNames.Of(kind.Mechanism), kind.Rule,
                ZoneNames.Of(zone), repeats.Count, repeats.First, node, repeats.Last));
    }

    private Task<Pop3Step> SendAsync(Pop3State state, SendMessage send)
    {
        var account = ((Pop3State.Transaction)state).Account;
        var (store, connection, facts, name) = (deps.Messages, Connection, Session.Facts, Name);
        return Send();

        async Task<Pop3Step> Send()
        {
            try
            {
                var body = await store.ReadMessageAsync(account, send.Message.Id);
                if (body is null) return Pop3Machine.MessageUnreadable(state);
                var first = send.TopLines is null ? Pop3Reply.Octets(send.Message.Size) : Pop3Reply.TopFollows;
                await connection.WriteAsync(MultiLineBody.Render(first, body, send.TopLines));
                return send.TopLines is null
                    ? new Pop3Step(state, new Retrieved(send.Message.Uidl, Smtp.MessageComposer.FindHeader(body, "Message-ID")))
                    : new Pop3Step(state);
            }
            catch (Exception e)
            {
                facts.Fault(name, "message read", e);
                return Pop3Machine.MessageUnreadable(state);
            }
        }
    }

    private static async Task<Pop3Step> CommitAsync(Pop3State state, Commit commit, IActorRef self, Pop3SessionDeps deps)
    {
        try
        {
            var committed = await deps.Mailboxes.Ask<MailboxProtocol.Committed>(
                new MailboxProtocol.Commit(commit.Account, self, commit.DeletedIds), Pop3SessionDeps.CommitTimeout);
            return Pop3Machine.Committed(state, committed.AllRemoved);
        }
        catch (Exception e)
        {
            deps.Session.Facts.Fault($"pop3 {deps.Session.ListenerName}", $"UPDATE of {commit.Account}", e);
            return Pop3Machine.Committed(state, false);
        }
    }

    /// <summary>The session's one audit fact: what it retrieved, and what its QUIT deleted (docs/spec.md §8).</summary>
    protected override void PostStop()
    {
        var account = Pop3State.AccountOf(_state);
        var deleted = _ended == "quit" ? _deleting : [];
        if (account is not null && _activity.Fact(account, deleted, _ended, Client.ToString(), Session.ListenerName, Session.Node, DateTime.UtcNow) is { } fact)
            Session.Facts.Record(fact);
        base.PostStop();
    }

    /// <summary>A session that ends holding its mailbox gives the lock back; an UPDATE commit already did.</summary>
    protected override void Release()
    {
        _refusals?.Flush();
        if (Pop3State.LockedAccountOf(_state) is { } locked) deps.Mailboxes.Tell(new MailboxProtocol.Release(locked, Self));
    }

    protected override string EndFields() => "user=" + (Pop3State.AccountOf(_state) ?? "-");
}
