using System.Net;
using Akka.Actor;
using Akka.Event;
using MailActors.Accounts;
using MailActors.Audit;
using MailActors.AuthFailures;
using MailActors.Grants;
using MailActors.Mailboxes;
using MailActors.Observability;
using MailActors.Policy;
using MailActors.Sessions;
using MailActors.Storage;
using static MailActors.Pop3.Pop3Effect;

namespace MailActors.Pop3;

/// <summary>
/// The thin shell around <see cref="Pop3Machine"/> for one connection: feeds it lines, carries out its
/// effects (replies, logins, message reads, TLS, the UPDATE commit). Received lines wait in
/// <see cref="_input"/> while an effect runs, and are handled in order when it is done.
/// </summary>
public sealed class Pop3SessionActor : ReceiveActor, IWithStash
{
    private readonly IClientConnection _connection;
    private readonly Pop3SessionDeps _deps;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IPAddress _client;
    private Pop3State? _state;
    private PolicyProtocol.ConnectionPolicy? _policy;
    private bool _countedAgainstLimit;
    private string? _account;
    private bool _holdsLock;
    private string _outcome = "connection closed by client";
    private readonly Queue<ConnectionEvents.Line> _input = new();
    private bool _effectRunning = true; // until the greeting is out

    public IStash Stash { get; set; } = null!;

    public Pop3SessionActor(IClientConnection connection, Pop3SessionDeps deps)
    {
        _connection = connection;
        _deps = deps;
        _client = ZoneClassifier.Normalize(connection.ClientAddress);
        Become(Classifying);
    }

    public static Props Props(IClientConnection connection, Pop3SessionDeps deps) =>
        Akka.Actor.Props.Create(() => new Pop3SessionActor(connection, deps));

    private sealed record LoginResult(Pop3Effect.Login Login, string? Account, Maildrop? Maildrop, string? Refusal, string? GrantProblem = null)
    {
        /// <summary>Why the login failed, in the audit journal's words.</summary>
        public string Reason =>
            Refusal == Pop3Reply.LoginDelay ? "blocked after repeated failures"
            : Refusal == Pop3Reply.AuthFailed ? "wrong password or unknown user"
            : Refusal == Pop3Reply.InUse ? "mailbox in use"
            : "temporarily unavailable";
    }

    /// <summary>The message was written (or could not be read: <paramref name="Found"/> false).</summary>
    private sealed record MessageSent(bool Found);

    private sealed record CommitResult(bool AllRemoved);

    protected override void PreStart()
    {
        MailMetrics.ConnectionOpened(_deps.Node, ListenerNames.Of(_deps.Listener));
        _deps.Policy.Ask<PolicyProtocol.ConnectionPolicy>(new PolicyProtocol.Classify(_client, _deps.Listener), Pop3SessionDeps.AskTimeout)
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
                    Finish(Pop3Reply.TooManyConnections, "too many connections from address");
                    return;
                }
                _countedAgainstLimit = true;
            }
            var connection = new Pop3Connection(
                _deps.Settings.Hostname, _deps.Listener, policy, _connection.IsTls,
                StlsOffered: _deps.Listener == ListenerKind.Pop3,
                ApopTimestamp: _deps.Listener == ListenerKind.Apop ? _deps.Challenges.Next() : null,
                Pop3sPort: _deps.Settings.PortOf(ListenerKind.Pop3s));
            Become(Ready);
            Stash.UnstashAll();
            Apply(Pop3Machine.Greet(Pop3State.Start(connection)));
            Resume();
        });
        Receive<Status.Failure>(f =>
        {
            _log.Warning("pop3 {0}: policy unavailable: {1}", _client, f.Cause.Message);
            Finish(Pop3Reply.TryLater, "policy unavailable");
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

    /// <summary>An effect is running: received lines wait in the queue until its result arrives.</summary>
    private void Busy<TResult>(Action<TResult> onResult)
    {
        Receive(onResult);
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
            Apply(line.TooLong ? Pop3Machine.LineTooLong(_state!) : Pop3Machine.Handle(_state!, line.Text));
        }
    }

    /// <summary>The running effect is done: back to reading commands.</summary>
    private void Resume()
    {
        _effectRunning = false;
        Become(Ready);
        Drain();
    }

    private void StartEffect(Action behaviour)
    {
        _effectRunning = true;
        Become(behaviour);
    }

    /// <summary>Throws away the lines waiting in the queue.</summary>
    private void DiscardInput()
    {
        _connection.Consumed(_input.Count);
        _input.Clear();
    }

    /// <summary>Between STLS and the end of the handshake, clear-text input is thrown away (RFC 2595 §4, CVE-2011-0411).</summary>
    private void NegotiatingTls()
    {
        Receive<ConnectionEvents.TlsEstablished>(_ =>
        {
            Apply(Pop3Machine.TlsStarted((Pop3State.Authorization)_state!));
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
        Receive<ConnectionEvents.Idle>(_ => Finish(Pop3Reply.Autologout, "idle timeout"));
        Receive<ConnectionEvents.Closed>(_ => Context.Stop(Self));
    }

    private void Apply(Pop3Step step)
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
                    _outcome = close.Outcome;
                    Finish(null, close.Outcome);
                    return;
                case Login login:
                    StartLogin(login);
                    return;
                case SendMessage send:
                    StartSend(send);
                    return;
                case StartTls tls:
                    // Clear text the client pipelined after STLS must not be taken as sent over TLS.
                    DiscardInput();
                    StartEffect(NegotiatingTls);
                    _connection.StartTls(tls.ReadyReply);
                    return;
                case Commit commit:
                    StartCommit(commit);
                    return;
                case Pop3Effect.PolicyRefused refused:
                    _deps.Audit.Tell(new Audit.PolicyRefused(_client.ToString(), refused.Name is null ? null : Printable(refused.Name),
                        ListenerNames.Of(_deps.Listener), MechanismNames.Of(refused.Mechanism), refused.Rule, ZoneNames.Of(_policy!.Zone),
                        _deps.Node, DateTime.UtcNow));
                    MailMetrics.Authenticated(_deps.Node, ListenerNames.Of(_deps.Listener), MechanismNames.Of(refused.Mechanism), MailMetrics.Results.RefusedByPolicy);
                    break;
            }
        }
    }

    private void StartLogin(Pop3Effect.Login login)
    {
        var self = Self;
        var deps = _deps;
        var address = _client.ToString();
        var challenge = _state!.Connection.ApopTimestamp;
        var outside = !_policy!.Zone.IsInside() ? _client : null;
        RunLogin(login, address, challenge, outside, self, deps).PipeTo(self);
        StartEffect(() => Busy<LoginResult>(OnLoginResult));
    }

    /// <param name="outside">the client's address when it is outside: a successful login earns it a POP-before-SMTP grant.</param>
    private static async Task<LoginResult> RunLogin(Pop3Effect.Login login, string address, string? challenge, IPAddress? outside,
        IActorRef self, Pop3SessionDeps deps)
    {
        try
        {
            var name = AccountName.Normalize(login.Name, deps.Settings.LocalDomains);
            var counted = name ?? login.Name.ToLowerInvariant();
            var verdict = await deps.AuthFailures.Ask<AuthFailureProtocol.Verdict>(new AuthFailureProtocol.Check(address, counted), Pop3SessionDeps.AskTimeout);
            if (verdict.Blocked) return new LoginResult(login, null, null, Pop3Reply.LoginDelay);

            var account = login.Mechanism == Mechanism.Apop
                ? name is null ? null : await deps.Accounts.VerifyApopAsync(name, challenge!, login.Secret)
                : await deps.Accounts.VerifyPasswordAsync(name ?? "", login.Secret);
            if (account is null)
            {
                var delay = await deps.AuthFailures.Ask<AuthFailureProtocol.Delay>(new AuthFailureProtocol.Failed(address, counted), Pop3SessionDeps.AskTimeout);
                if (delay.AccountBlocked && name is not null)
                    deps.Grants.Tell(new GrantLedgerProtocol.RevokeAccount(name, "brute-force block of the account"));
                if (delay.AddressBlocked)
                    deps.Grants.Tell(new GrantLedgerProtocol.RevokeAddress(address, "brute-force block of the address"));
                await Task.Delay(delay.Wait);
                return new LoginResult(login, null, null, Pop3Reply.AuthFailed);
            }

            object locked;
            try
            {
                locked = await deps.Mailboxes.Ask(new MailboxProtocol.Acquire(account, self), Pop3SessionDeps.AskTimeout);
            }
            catch (Exception)
            {
                // The lock may still be granted after the ask gave up: give it back, or this session would hold it unknowingly.
                deps.Mailboxes.Tell(new MailboxProtocol.Release(account, self));
                return new LoginResult(login, account, null, Pop3Reply.TryLater);
            }
            if (locked is MailboxProtocol.Acquired acquired)
            {
                var grantProblem = outside is null ? null : await EarnGrant(outside, account, login, deps);
                return new LoginResult(login, account, Maildrop.Of(acquired.Messages), null, grantProblem);
            }
            return locked switch
            {
                MailboxProtocol.InUse => new LoginResult(login, account, null, Pop3Reply.InUse),
                _ => new LoginResult(login, account, null, Pop3Reply.TryLater),
            };
        }
        catch (Exception)
        {
            return new LoginResult(login, null, null, Pop3Reply.TryLater);
        }
    }

    /// <summary>Waits until the grant is recorded, so that the client may send the moment it reads +OK. Without the
    /// ledger the login still succeeds; sending from outside is then refused until a later login earns the grant.</summary>
    /// <returns>null, or why no grant was recorded.</returns>
    private static async Task<string?> EarnGrant(IPAddress client, string account, Pop3Effect.Login login, Pop3SessionDeps deps)
    {
        try
        {
            await deps.Grants.Ask<GrantLedgerProtocol.Earned>(new GrantLedgerProtocol.Earn(
                client.ToString(), account, ListenerNames.Of(deps.Listener), MechanismNames.Of(login.Mechanism), deps.Node, DateTime.UtcNow), Pop3SessionDeps.AskTimeout);
            return null;
        }
        catch (Exception e)
        {
            return e.Message;
        }
    }

    private void OnLoginResult(LoginResult result)
    {
        var state = (Pop3State.Authorization)_state!;
        if (result.GrantProblem is { } problem)
            _log.Warning("pop3 {0}: no POP-before-SMTP grant recorded for {1}: {2}", _client, result.Account, problem);
        if (result.Maildrop is { } maildrop)
        {
            _account = result.Account;
            _holdsLock = true;
            Context.System.EventStream.Publish(new Pop3Events.LoggedIn(
                _client, _policy!.Zone, result.Account!, _deps.Listener, result.Login.Mechanism, result.Login.Rule, DateTime.UtcNow));
            _deps.Audit.Tell(new AuthSucceeded(_client.ToString(), result.Account!, ListenerNames.Of(_deps.Listener),
                MechanismNames.Of(result.Login.Mechanism), result.Login.Rule, ZoneNames.Of(_policy.Zone), _deps.Node, DateTime.UtcNow));
            MailMetrics.Authenticated(_deps.Node, ListenerNames.Of(_deps.Listener), MechanismNames.Of(result.Login.Mechanism), MailMetrics.Results.Success);
            Apply(Pop3Machine.LoginSucceeded(state, result.Account!, maildrop));
        }
        else
        {
            _log.Info("pop3 login refused: client={0} listener={1} mechanism={2} user={3} reply={4}",
                _client, ListenerNames.Of(_deps.Listener), result.Login.Mechanism, Printable(result.Login.Name), result.Refusal!.TrimEnd());
            _deps.Audit.Tell(new AuthFailed(_client.ToString(), result.Account ?? Printable(result.Login.Name).ToLowerInvariant(),
                ListenerNames.Of(_deps.Listener), MechanismNames.Of(result.Login.Mechanism), result.Login.Rule, ZoneNames.Of(_policy!.Zone),
                result.Reason, _deps.Node, DateTime.UtcNow));
            MailMetrics.Authenticated(_deps.Node, ListenerNames.Of(_deps.Listener), MechanismNames.Of(result.Login.Mechanism), MailMetrics.Results.Failure);
            Apply(Pop3Machine.LoginFailed(state, result.Refusal!));
        }
        Resume();
    }

    private void StartSend(SendMessage send)
    {
        var account = ((Pop3State.Transaction)_state!).Account;
        var sending = SendAsync(account, send, _deps.Messages, _connection);
        if (sending.IsCompletedSuccessfully)
        {
            // The common case (SQLite reads complete synchronously, the socket keeps up): no extra hop.
            if (!sending.Result.Found) _connection.Write(Pop3Reply.MessageGone);
            return;
        }
        sending.PipeTo(Self, failure: _ => new MessageSent(false));
        StartEffect(() => Busy<MessageSent>(sent =>
        {
            if (!sent.Found) _connection.Write(Pop3Reply.MessageGone);
            Resume();
        }));
    }

    private static async Task<MessageSent> SendAsync(string account, SendMessage send, IMessageStore store, IClientConnection connection)
    {
        var body = await store.ReadMessageAsync(account, send.Message.Id);
        if (body is null) return new MessageSent(false);
        var first = send.TopLines is null ? Pop3Reply.Octets(send.Message.Size) : Pop3Reply.TopFollows;
        await connection.WriteAsync(MultiLineBody.Render(first, body, send.TopLines));
        return new MessageSent(true);
    }

    private void StartCommit(Commit commit)
    {
        var closed = _state!;
        _deps.Mailboxes.Ask<MailboxProtocol.Committed>(new MailboxProtocol.Commit(commit.Account, Self, commit.DeletedIds), Pop3SessionDeps.CommitTimeout)
            .ContinueWith(t => new CommitResult(t.IsCompletedSuccessfully && t.Result.AllRemoved))
            .PipeTo(Self);
        StartEffect(() => Busy<CommitResult>(result =>
        {
            _holdsLock = false; // the commit released the lock
            Apply(Pop3Machine.Committed(closed, result.AllRemoved));
        }));
    }

    private void Finish(string? reply, string outcome)
    {
        _outcome = outcome;
        if (reply is not null) _connection.Write(reply);
        _connection.Close();
        _effectRunning = true; // nothing more is read
        DiscardInput();
        Become(Closing);
    }

    protected override void PostStop()
    {
        MailMetrics.ConnectionClosed(_deps.Node, ListenerNames.Of(_deps.Listener));
        if (_holdsLock) _deps.Mailboxes.Tell(new MailboxProtocol.Release(_account!, Self));
        if (_countedAgainstLimit) _deps.Limiter.Release(_client);
        _log.Info("pop3 session end: client={0} listener={1} zone={2} user={3} outcome={4}",
            _client, ListenerNames.Of(_deps.Listener), (_policy is null ? "-" : ZoneNames.Of(_policy.Zone)), _account ?? "-", _outcome);
    }

    private static string Printable(string text) =>
        new(text.Where(ch => ch is >= ' ' and < '\x7f').Take(64).ToArray());
}
