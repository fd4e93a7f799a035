using System.Net;
using Akka.Actor;
using Akka.Event;
using MailActors.Accounts;
using MailActors.Audit;
using MailActors.AuthFailures;
using MailActors.Grants;
using MailActors.Observability;
using MailActors.Policy;
using MailActors.Sessions;
using MailActors.Storage;
using static MailActors.Smtp.SmtpEffect;

namespace MailActors.Smtp;

/// <summary>
/// The thin shell around <see cref="SmtpMachine"/> for one connection: feeds it lines (and DATA lines to a
/// <see cref="DataReader"/>), carries out its effects (replies, lookups, grant checks, AUTH, TLS, the durable
/// store). Received lines wait in <see cref="_input"/> while an effect runs, so pipelined commands are
/// answered in order (RFC 2920).
/// </summary>
public sealed class SmtpSessionActor : ReceiveActor, IWithStash
{
    private readonly IClientConnection _connection;
    private readonly SmtpSessionDeps _deps;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IPAddress _client;
    private SmtpState? _state;
    private PolicyProtocol.ConnectionPolicy? _policy;
    private bool _countedAgainstLimit;
    private DataReader? _data;
    private string _outcome = "connection closed by client";
    private readonly Queue<ConnectionEvents.Line> _input = new();
    private bool _effectRunning = true; // until the greeting is out

    public IStash Stash { get; set; } = null!;

    public SmtpSessionActor(IClientConnection connection, SmtpSessionDeps deps)
    {
        _connection = connection;
        _deps = deps;
        _client = ZoneClassifier.Normalize(connection.ClientAddress);
        Become(Classifying);
    }

    public static Props Props(IClientConnection connection, SmtpSessionDeps deps) =>
        Akka.Actor.Props.Create(() => new SmtpSessionActor(connection, deps));

    private sealed record EffectDone(SmtpStep Step);

    /// <summary>The DATA transfer outlasted <c>limits.data-timeout</c> (docs/spec.md §14), however steadily it trickled.</summary>
    private sealed class DataTimedOut
    {
        public static readonly DataTimedOut Instance = new();
    }

    private ICancelable? _dataDeadline;

    protected override void PreStart()
    {
        MailMetrics.ConnectionOpened(_deps.Node, ListenerNames.Of(_deps.Listener));
        _deps.Policy.Ask<PolicyProtocol.ConnectionPolicy>(new PolicyProtocol.Classify(_client, _deps.Listener), SmtpSessionDeps.AskTimeout)
            .PipeTo(Self, failure: e => new Status.Failure(e));
    }

    private void Classifying()
    {
        Receive<PolicyProtocol.ConnectionPolicy>(policy =>
        {
            _policy = policy;
            if (!policy.Zone.IsInside())
            {
                if (!_deps.Limiter.TryAcquire(_client))
                {
                    Finish(SmtpReply.TooManyConnections, "too many connections from address");
                    return;
                }
                _countedAgainstLimit = true;
            }
            var settings = _deps.Settings;
            var connection = new SmtpConnection(settings.Hostname, _deps.Listener, policy, _client, _connection.IsTls,
                StartTlsOffered: true, settings.LocalDomains, settings.Limits.MaxMessageSize, settings.Limits.MaxRecipients,
                settings.PopBeforeSmtp.BindSender);
            Become(Ready);
            Stash.UnstashAll();
            Apply(SmtpMachine.Greet(new SmtpState(connection)));
            Resume();
        });
        Receive<Status.Failure>(f =>
        {
            _log.Warning("smtp {0}: policy unavailable: {1}", _client, f.Cause.Message);
            Finish(SmtpReply.TryLater, "policy unavailable");
        });
        Receive<ConnectionEvents.Received>(Enqueue);
        Receive<ConnectionEvents.Closed>(_ => Context.Stop(Self));
        ReceiveAny(_ => Stash.Stash());
    }

    private void Ready()
    {
        Receive<ConnectionEvents.Received>(received =>
        {
            Enqueue(received);
            Drain();
        });
        CommonEvents();
    }

    private void Busy()
    {
        Receive<EffectDone>(done =>
        {
            _effectRunning = false;
            Apply(done.Step);
            if (!_effectRunning) Resume();
        });
        Receive<ConnectionEvents.Received>(Enqueue);
        CommonEvents();
    }

    private void Enqueue(ConnectionEvents.Received received) => _input.Enqueue(received.Line);

    /// <summary>Handles queued lines in order until one starts an effect that must finish first.</summary>
    private void Drain()
    {
        while (!_effectRunning && _input.TryDequeue(out var line))
        {
            _connection.Consumed(1);
            if (_data is { } reader)
            {
                if (reader.Add(line) is not { } end) continue;
                _data = null;
                _dataDeadline?.Cancel();
                Apply(SmtpMachine.DataEnded(_state!, end));
            }
            else
            {
                Apply(line.TooLong ? SmtpMachine.LineTooLong(_state!) : SmtpMachine.Handle(_state!, line.Text));
            }
        }
    }

    private void Resume()
    {
        _effectRunning = false;
        Become(Ready);
        Drain();
    }

    private void StartEffect(Task<SmtpStep> work)
    {
        _effectRunning = true;
        work.PipeTo(Self, success: step => new EffectDone(step));
        Become(Busy);
    }

    /// <summary>Between STARTTLS and the end of the handshake, clear text is thrown away (RFC 3207 §4.2, CVE-2011-0411).</summary>
    private void NegotiatingTls()
    {
        Receive<ConnectionEvents.TlsEstablished>(_ =>
        {
            Apply(SmtpMachine.TlsStarted(_state!));
            Resume();
        });
        Receive<ConnectionEvents.TlsFailed>(f =>
        {
            _outcome = "TLS handshake failed: " + f.Reason;
            _connection.Close();
        });
        Receive<ConnectionEvents.Received>(_ => _connection.Consumed(1));
        CommonEvents();
    }

    private void Closing()
    {
        Receive<ConnectionEvents.Closed>(_ => Context.Stop(Self));
        Receive<ConnectionEvents.Received>(_ => _connection.Consumed(1));
        ReceiveAny(_ => { });
    }

    private void CommonEvents()
    {
        Receive<ConnectionEvents.Idle>(_ => Finish(SmtpReply.IdleTimeout, "idle timeout"));
        Receive<DataTimedOut>(_ => { if (_data is not null) Finish(SmtpReply.DataTimeout, "data timeout"); });
        Receive<ConnectionEvents.Closed>(_ => Context.Stop(Self));
    }

    private void Apply(SmtpStep step)
    {
        _state = step.State;
        foreach (var effect in step.Effects)
        {
            switch (effect)
            {
                case Reply reply:
                    _connection.Write(reply.Text);
                    break;
                case Close close:
                    Finish(null, close.Outcome);
                    return;
                case ReceiveData:
                    _data = new DataReader(_deps.Settings.Limits.MaxMessageSize, _deps.Settings.Limits.MaxHops, _deps.Spool);
                    _dataDeadline = Context.System.Scheduler.ScheduleTellOnceCancelable(_deps.Settings.Limits.DataTimeout, Self, DataTimedOut.Instance, Self);
                    break;
                case SmtpEffect.StartTls tls:
                    _connection.Consumed(_input.Count);
                    _input.Clear();
                    _effectRunning = true;
                    Become(NegotiatingTls);
                    _connection.StartTls(tls.ReadyReply);
                    return;
                case FindRecipient find:
                    StartEffect(FindAsync(_state, find, _deps));
                    return;
                case CheckGrant check:
                    StartEffect(CheckGrantAsync(_state, check, _client, _deps));
                    return;
                case Authenticate auth:
                    StartEffect(AuthenticateAsync(_state, auth, _client, _deps));
                    return;
                case Deliver deliver:
                    StartEffect(DeliverAsync(_state, deliver, _deps, _log));
                    return;
                case SmtpEffect.RelayRefused refused:
                    _deps.Audit.Tell(new Audit.RelayRefused(_client.ToString(), ListenerNames.Of(_deps.Listener), refused.Sender,
                        refused.Recipient?.ToString(), refused.Rule, refused.Reason, _deps.Node, DateTime.UtcNow));
                    break;
            }
        }
    }

    private static async Task<SmtpStep> FindAsync(SmtpState state, FindRecipient find, SmtpSessionDeps deps)
    {
        try
        {
            return SmtpMachine.RecipientChecked(state, find, await deps.AccountStore.FindAccountAsync(find.Account) is not null);
        }
        catch (Exception)
        {
            return SmtpMachine.RecipientChecked(state, find, null);
        }
    }

    private static async Task<SmtpStep> CheckGrantAsync(SmtpState state, CheckGrant check, IPAddress client, SmtpSessionDeps deps)
    {
        try
        {
            var grant = await deps.GrantLookup.FindAsync(client);
            return SmtpMachine.GrantChecked(state, check, grant, failed: false, DateTime.UtcNow);
        }
        catch (Exception)
        {
            return SmtpMachine.GrantChecked(state, check, null, failed: true, DateTime.UtcNow);
        }
    }

    private static async Task<SmtpStep> AuthenticateAsync(SmtpState state, Authenticate auth, IPAddress client, SmtpSessionDeps deps)
    {
        try
        {
            var address = client.ToString();
            var c = state.Connection;
            var (listener, mechanism, rule, zone) = (ListenerNames.Of(c.Listener), MechanismNames.Of(Mechanism.SmtpAuth),
                c.Policy.Decide(Mechanism.SmtpAuth, c.Tls).Rule, ZoneNames.Of(c.Policy.Zone));
            void Audit(IAuditFact fact)
            {
                deps.Audit.Tell(fact);
                MailMetrics.Authenticated(deps.Node, listener, mechanism, fact is AuthSucceeded ? MailMetrics.Results.Success : MailMetrics.Results.Failure);
            }
            AuthFailed AuthFailure(string account, string reason) =>
                new(address, account, listener, mechanism, rule, zone, reason, deps.Node, DateTime.UtcNow);
            var name = AccountName.Normalize(auth.User, deps.Settings.LocalDomains);
            var counted = name ?? auth.User.ToLowerInvariant();
            var verdict = await deps.AuthFailures.Ask<AuthFailureProtocol.Verdict>(new AuthFailureProtocol.Check(address, counted), SmtpSessionDeps.AskTimeout);
            if (verdict.Blocked)
            {
                Audit(AuthFailure(counted, "blocked after repeated failures"));
                return SmtpMachine.Authenticated(state, AuthOutcome.Blocked, null);
            }
            var account = await deps.Accounts.VerifyPasswordAsync(name ?? "", auth.Password);
            if (account is not null)
            {
                Audit(new AuthSucceeded(address, account, listener, mechanism, rule, zone, deps.Node, DateTime.UtcNow));
                return SmtpMachine.Authenticated(state, AuthOutcome.Succeeded, account);
            }
            Audit(AuthFailure(counted, "wrong password or unknown user"));

            var delay = await deps.AuthFailures.Ask<AuthFailureProtocol.Delay>(new AuthFailureProtocol.Failed(address, counted), SmtpSessionDeps.AskTimeout);
            if (delay.AccountBlocked && name is not null)
                deps.Grants.Tell(new GrantLedgerProtocol.RevokeAccount(name, "brute-force block of the account"));
            if (delay.AddressBlocked)
                deps.Grants.Tell(new GrantLedgerProtocol.RevokeAddress(client.ToString(), "brute-force block of the address"));
            await Task.Delay(delay.Wait);
            return SmtpMachine.Authenticated(state, AuthOutcome.Failed, null);
        }
        catch (Exception)
        {
            return SmtpMachine.Authenticated(state, AuthOutcome.Unavailable, null);
        }
    }

    private static async Task<SmtpStep> DeliverAsync(SmtpState state, Deliver deliver, SmtpSessionDeps deps, ILoggingAdapter log)
    {
        var queueId = Uidl.New()[..12].ToUpperInvariant();
        try
        {
            var message = MessageComposer.Compose(state, deliver.Envelope, deliver.Body, queueId, DateTimeOffset.UtcNow);
            await deps.Intake.AcceptAsync(message);
            if (message.RelayRecipients.Count > 0) await RecordRelayAsync(state, deliver.Envelope, message, deps, log);
            MailMetrics.MessageAccepted(deps.Node, ListenerNames.Of(state.Connection.Listener), message.LocalAccounts.Count,
                message.RelayRecipients.Count, message.RelayRecipients.Count > 0 ? MechanismNames.Of(RelayMechanism(deliver.Envelope)) : null);
            if (log.IsDebugEnabled)
                log.Debug($"smtp accepted: id={queueId} client={state.Connection.Client} listener={ListenerNames.Of(state.Connection.Listener)} " +
                     $"from=<{deliver.Envelope.Sender}> local={message.LocalAccounts.Count} relayed={message.RelayRecipients.Count} " +
                     $"relay-account={message.RelayAccount ?? "-"} message-id={message.MessageId ?? "-"}");
            return SmtpMachine.Stored(state, queueId);
        }
        catch (Exception e)
        {
            log.Warning("smtp {0}: message not stored: {1}", state.Connection.Client, e.Message);
            return SmtpMachine.Stored(state, null);
        }
    }

    /// <summary>
    /// The audit record of a relayed message is persisted before the client reads 250, so that a message that leaves
    /// is always traceable to its grant or AUTH. The message itself is already committed: if the record cannot be
    /// written, the message is still accepted (refusing now would only make the client send it twice).
    /// </summary>
    private static async Task RecordRelayAsync(SmtpState state, Envelope envelope, IncomingMessage message, SmtpSessionDeps deps, ILoggingAdapter log)
    {
        var c = state.Connection;
        var permit = RelayPermitOf(envelope);
        var mechanism = RelayMechanism(envelope);
        var fact = new RelayAccepted(message.QueueId, message.MessageId, envelope.Sender, message.RelayRecipients.Count,
            c.Client.ToString(), ListenerNames.Of(c.Listener), MechanismNames.Of(mechanism), permit.Rule, permit.Account,
            permit.Grant?.Key, permit.Grant?.IssuedAt, deps.Node, DateTime.UtcNow);
        try
        {
            await deps.Audit.Ask<AuditWriter.Recorded>(new AuditWriter.Record(fact), SmtpSessionDeps.AskTimeout);
        }
        catch (Exception e)
        {
            log.Error("smtp {0}: audit record of relayed message {1} not written: {2}", c.Client, message.QueueId, e.Message);
        }
    }

    private static RelayPermit RelayPermitOf(Envelope envelope) =>
        envelope.Relayed.Select(r => r.Relay).FirstOrDefault(p => p is not null) ?? envelope.SenderPermit!;

    /// <summary>What let the message's relayed recipients out: a grant, SMTP AUTH, or the client's network.</summary>
    private static Mechanism RelayMechanism(Envelope envelope) =>
        RelayPermitOf(envelope) is var permit && permit.Grant is not null ? Mechanism.Grant : permit.Account is not null ? Mechanism.SmtpAuth : Mechanism.Network;

    private void Finish(string? reply, string outcome)
    {
        _outcome = outcome;
        if (reply is not null) _connection.Write(reply);
        _connection.Close();
        _effectRunning = true; // nothing more is read
        _connection.Consumed(_input.Count);
        _input.Clear();
        Become(Closing);
    }

    protected override void PostStop()
    {
        MailMetrics.ConnectionClosed(_deps.Node, ListenerNames.Of(_deps.Listener));
        if (_countedAgainstLimit) _deps.Limiter.Release(_client);
        _dataDeadline?.Cancel();
        _data?.Dispose();
        _log.Info("smtp session end: client={0} listener={1} zone={2} helo={3} auth={4} outcome={5}",
            _client, ListenerNames.Of(_deps.Listener), (_policy is null ? "-" : ZoneNames.Of(_policy.Zone)),
            _state?.Helo ?? "-", _state?.AuthAccount ?? "-", _outcome);
    }
}
