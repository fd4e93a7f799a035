using System.Net;
using Akka.Actor;
using Akka.Event;
using MailActors.Aliases;
using MailActors.Audit;
using MailActors.Authentication;
using MailActors.Observability;
using MailActors.Policy;
using MailActors.Quotas;
using MailActors.Sessions;
using MailActors.Storage;
using static MailActors.Smtp.SmtpEffect;
using static MailActors.Smtp.SmtpState;

namespace MailActors.Smtp;

/// <summary>
/// One SMTP connection: the shared <see cref="SessionActor{TStep}"/> shell around <see cref="SmtpMachine"/>, carrying
/// out its effects (recipient lookups, grant checks, AUTH, TLS, the durable store). Pipelined commands are answered
/// in order (RFC 2920) because the shell handles one line at a time.
/// </summary>
public sealed class SmtpSessionActor(IClientConnection connection, SmtpSessionDeps deps)
    : SessionActor<SmtpStep>(connection, deps.Session, Replies)
{
    private SmtpState _state = null!;
    private readonly RefusalTally<(string Rule, string Reason)> _refusals = new();

    public static Props Props(IClientConnection connection, SmtpSessionDeps deps) =>
        Akka.Actor.Props.Create(() => new SmtpSessionActor(connection, deps));

    private static readonly SessionReplies Replies = new("smtp", SmtpReply.TooManyConnections, SmtpReply.TryLater, SmtpReply.IdleTimeout);

    protected override SmtpStep Greet(PolicyProtocol.ConnectionPolicy policy)
    {
        var settings = Session.Settings;
        return SmtpMachine.Greet(SmtpState.Start(new SmtpConnection(settings.Hostname, Session.Listener, policy, Client, Connection.IsTls,
            StartTlsOffered: true, settings.LocalDomains, settings.Limits.MaxMessageSize, settings.Limits.MaxRecipients,
            policy.BindSender, settings.Limits.MaxHops, deps.Spool)));
    }

    protected override SmtpStep Handle(ConnectionEvents.Line line) => SmtpMachine.Handle(_state, line);

    protected override void Apply(SmtpStep step)
    {
        // docs/spec.md §14: a whole DATA transfer gets limits.data-timeout, however steadily it trickles in.
        if (step.State is InData && _state is not InData) StartDeadline(Session.Settings.Limits.DataTimeout, SmtpReply.DataTimeout, "data timeout");
        else if (step.State is not InData && _state is InData) CancelDeadline();
        _state = step.State;
        foreach (var effect in step.Effects)
        {
            switch (effect)
            {
                case Reply reply:
                    Connection.Write(reply.Text);
                    break;
                case Close close:
                    Finish(null, close.Outcome);
                    return;
                case StartTls tls:
                    var state = _state;
                    StartTls(tls.ReadyReply, () => SmtpMachine.TlsStarted(state));
                    return;
                case FindRecipient find:
                    Run(FindAsync(_state, find));
                    return;
                case CheckGrant check:
                    Run(CheckGrantAsync(_state, check));
                    return;
                case Authenticate auth:
                    Run(AuthenticateAsync(_state, auth));
                    return;
                case Deliver deliver:
                    Run(DeliverAsync(_state, deliver));
                    return;
                case SmtpEffect.RelayRefused refused:
                    RecordRefusal(refused);
                    break;
            }
        }
    }

    /// <summary>The first refusal of its kind is its own fact; the repeats are one fact with a count (docs/spec.md §14).</summary>
    private void RecordRefusal(SmtpEffect.RelayRefused refused)
    {
        var now = DateTime.UtcNow;
        if (_refusals.Count((refused.Rule, refused.Reason), now, out var flush))
            Session.Facts.Record(new Audit.RelayRefused(Client.ToString(), Session.ListenerName, refused.Sender,
                refused.Recipient?.ToString(), refused.Rule, refused.Reason, Session.Node, now));
        else if (flush is not null)
            RecordRepeats((refused.Rule, refused.Reason), flush);
    }

    private void RecordRepeats((string Rule, string Reason) kind, Repeats repeats) =>
        Session.Facts.Record(new RelayRefusedRepeated(Client.ToString(), Session.ListenerName, kind.Rule, kind.Reason, repeats.Count,
            repeats.First, Session.Node, repeats.Last));

    private async Task<SmtpStep> FindAsync(SmtpState state, FindRecipient find)
    {
        var (recipients, facts, name) = (deps.Recipients, Session.Facts, Name);
        var domain = find.Address.Domain.Length > 0 ? find.Address.Domain : state.Connection.LocalDomains[0];
        try
        {
            return SmtpMachine.RecipientChecked(state, find, await recipients.ResolveAsync(find.Account, domain));
        }
        catch (Exception e)
        {
            facts.Fault(name, "recipient lookup", e);
            return SmtpMachine.RecipientChecked(state, find, new RecipientResolution.Unavailable());
        }
    }

    private async Task<SmtpStep> CheckGrantAsync(SmtpState state, CheckGrant check)
    {
        var (lookup, client, facts, name) = (deps.GrantLookup, Client, Session.Facts, Name);
        try
        {
            var grant = await lookup.FindAsync(client);
            return SmtpMachine.GrantChecked(state, check, grant, failed: false, DateTime.UtcNow);
        }
        catch (Exception e)
        {
            facts.Fault(name, "grant check", e);
            return SmtpMachine.GrantChecked(state, check, null, failed: true, DateTime.UtcNow);
        }
    }

    private async Task<SmtpStep> AuthenticateAsync(SmtpState state, Authenticate auth)
    {
        var c = state.Connection;
        var attempt = new LoginAttempt(Client, auth.User, auth.Password, Mechanism.SmtpAuth, Session.ListenerName,
            c.Policy.Decide(Mechanism.SmtpAuth, c.Tls).Rule, c.Policy.Zone);
        return SmtpMachine.Authenticated(state, await deps.Authenticator.AuthenticateAsync(attempt));
    }

    private async Task<SmtpStep> DeliverAsync(SmtpState state, Deliver deliver)
    {
        var (intake, session, name, log) = (deps.Intake, Session, Name, Log);
        using var body = deliver.Body;
        // docs/spec.md §14: the message comes whole into memory only here, within the node's budget of commits.
        using var lease = await deps.Commits.ReserveAsync(CommitBudget.CostOf(body.Length));
        if (lease is null)
        {
            log.Warning("smtp {0}: message of {1} octets not stored: the node's commit budget stayed full (limits.commit-memory)",
                state.Connection.Client, body.Length);
            return SmtpMachine.CommitsBusy(state);
        }
        var queueId = Uidl.New()[..12].ToUpperInvariant();
        IncomingMessage message;
        try
        {
            message = MessageComposer.Compose(state, deliver.Envelope, body.ToArray(), queueId, DateTimeOffset.UtcNow);
            await intake.AcceptAsync(message);
        }
        catch (QuotaReachedException full)
        {
            log.Info("smtp {0}: message {1} not stored: mailbox {2} filled up after RCPT", state.Connection.Client, queueId, full.Account);
            return SmtpMachine.Stored(state, null, full.Account);
        }
        catch (Exception e)
        {
            session.Facts.Fault(name, $"store of message {queueId}", e);
            return SmtpMachine.Stored(state, null);
        }
        RecordLocalDeliveries(state, deliver.Envelope, message, session);
        if (message.RelayRecipients.Count > 0) await RecordRelayAsync(state, deliver.Envelope, message, session, name);
        MailMetrics.MessageAccepted(session.Node, session.ListenerName, message.LocalAccounts.Count,
            message.RelayRecipients.Count, message.RelayRecipients.Count > 0 ? RelayMechanismName(deliver.Envelope) : null);
        if (log.IsDebugEnabled)
            log.Debug($"smtp accepted: id={queueId} client={state.Connection.Client} listener={session.ListenerName} " +
                      $"from=<{deliver.Envelope.Sender}> local={message.LocalAccounts.Count} relayed={message.RelayRecipients.Count} " +
                      $"relay-account={message.RelayAccount ?? "-"} message-id={message.MessageId ?? "-"}");
        return SmtpMachine.Stored(state, queueId);
    }

    /// <summary>
    /// The audit record of a relayed message is persisted before the client reads 250, so that a message that leaves
    /// is always traceable to its grant or AUTH. The message itself is already committed: if the record cannot be
    /// written, the message is still accepted (refusing now would only make the client send it twice).
    /// </summary>
    private static async Task RecordRelayAsync(SmtpState state, Envelope envelope, IncomingMessage message, SessionContext session, string name)
    {
        var c = state.Connection;
        var permit = RelayPermitOf(envelope);
        var fact = new RelayAccepted(message.QueueId, message.MessageId, envelope.Sender, message.RelayRecipients.Count,
            c.Client.ToString(), session.ListenerName, RelayMechanismName(envelope), permit?.Rule ?? AliasForwardRule, permit?.Account,
            permit?.Grant?.Key, permit?.Grant?.IssuedAt, session.Node, DateTime.UtcNow);
        try
        {
            await session.Facts.RecordDurablyAsync(fact);
        }
        catch (Exception e)
        {
            session.Facts.Fault(name, $"audit record of relayed message {message.QueueId}", e);
        }
    }

    /// <summary>Each local copy, committed, is a fact (docs/spec.md §8): the start of the message's life in that mailbox.</summary>
    private static void RecordLocalDeliveries(SmtpState state, Envelope envelope, IncomingMessage message, SessionContext session)
    {
        var now = DateTime.UtcNow;
        foreach (var (account, uidl) in message.LocalAccounts.Zip(message.LocalUidls))
            session.Facts.Record(new LocalDelivered(message.QueueId, message.MessageId, account, uidl, envelope.Sender,
                state.Connection.Client.ToString(), session.ListenerName, session.Node, now));
    }

    /// <summary>Mail relayed only because a local alias forwards it: the server's own mail, on no permit of the client's.</summary>
    private const string AliasForwardRule = "alias-forward", AliasMechanism = "alias";

    private static RelayPermit? RelayPermitOf(Envelope envelope) =>
        envelope.Relayed.Select(r => r.Relay).FirstOrDefault(p => p is not null) ?? envelope.SenderPermit;

    /// <summary>What let the message's relayed recipients out: a grant, SMTP AUTH, the client's network, or only an alias.</summary>
    private static string RelayMechanismName(Envelope envelope) => RelayPermitOf(envelope) switch
    {
        null => AliasMechanism,
        { Grant: not null } => MechanismNames.Of(Mechanism.Grant),
        { Account: not null } => MechanismNames.Of(Mechanism.SmtpAuth),
        _ => MechanismNames.Of(Mechanism.Network),
    };

    /// <summary>An abandoned DATA transfer's spool file goes with the session.</summary>
    protected override void Release()
    {
        if (_state is InData data) data.Reader.Dispose();
        foreach (var (kind, repeats) in _refusals.Drain()) RecordRepeats(kind, repeats);
    }

    protected override string EndFields() => $"helo={_state?.Helo ?? "-"} auth={_state?.AuthAccount ?? "-"}";
}
