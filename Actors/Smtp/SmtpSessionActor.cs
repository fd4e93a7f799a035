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
    private RefusalRecorder<SmtpEffect.RelayRefused, (string Rule, string Reason)>? _refusals;

    public static Props Props(IClientConnection connection, SmtpSessionDeps deps) =>
        Akka.Actor.Props.Create(() => new SmtpSessionActor(connection, deps));

    private static readonly SessionReplies Replies = new("smtp", SmtpReply.TooManyConnections, SmtpReply.TryLater, SmtpReply.IdleTimeout);

    protected override SmtpStep Greet(PolicyProtocol.ConnectionPolicy policy)
    {
        var settings = Session.Settings;
        _refusals = Refusals();
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
                    Run(MessageAcceptance.AcceptAsync(_state, deliver, deps.Intake, deps.Commits, Session, Name, Log));
                    return;
                case SmtpEffect.RelayRefused refused:
                    _refusals!.Record(refused, DateTime.UtcNow);
                    break;
            }
        }
    }

    private RefusalRecorder<SmtpEffect.RelayRefused, (string Rule, string Reason)> Refusals()
    {
        var (client, listener, node) = (Client.ToString(), Session.ListenerName, Session.Node);
        return new(Session.Facts, r => (r.Rule, r.Reason),
            (r, at) => new Audit.RelayRefused(client, listener, r.Sender, r.Recipient?.ToString(), r.Rule, r.Reason, node, at),
            (kind, repeats) => new RelayRefusedRepeated(client, listener, kind.Rule, kind.Reason, repeats.Count, repeats.First, node, repeats.Last));
    }

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

    /// <summary>An abandoned DATA transfer's spool file goes with the session.</summary>
    protected override void Release()
    {
        if (_state is InData data) data.Reader.Dispose();
        _refusals?.Flush();
    }

    protected override string EndFields() => $"helo={_state?.Helo ?? "-"} auth={_state?.AuthAccount ?? "-"}";
}
