using System.Net;
using Akka.Actor;
using Akka.Event;
using MailActors.Observability;
using MailActors.Policy;

namespace MailActors.Sessions;

/// <summary>
/// The shell every line-based session shares (docs/spec.md §2): it classifies the client, applies the per-address
/// connection limit, queues the lines Transport hands it, feeds them one at a time to the protocol's pure machine
/// and carries out the machine's effects. While an effect runs, lines wait in the queue, so pipelined commands are
/// answered in order; what the session has dealt with is reported back to Transport (backpressure).
/// A protocol's actor supplies its replies, how a line becomes a step, and how a step's effects are carried out.
/// </summary>
/// <typeparam name="TStep">the machine's step: its next state and its effects.</typeparam>
public abstract class SessionActor<TStep> : ReceiveActor
{
    private readonly SessionReplies _replies;
    private readonly Queue<ConnectionEvents.Line> _input = new();
    private bool _waiting = true; // an effect runs (or the session has not greeted yet): lines wait
    private bool _countedAgainstLimit;
    private string _outcome = "connection closed by client";

    protected SessionActor(IClientConnection connection, SessionContext session, SessionReplies replies)
    {
        _replies = replies;
        Connection = connection;
        Session = session;
        Client = ZoneClassifier.Normalize(connection.ClientAddress);
        Become(Reading);
    }

    protected IClientConnection Connection { get; }
    protected SessionContext Session { get; }
    protected IPAddress Client { get; }
    protected ILoggingAdapter Log { get; } = Context.GetLogger();

    /// <summary>The client's zone and its rows of the policy matrix; set when the session starts.</summary>
    protected PolicyProtocol.ConnectionPolicy? Policy { get; private set; }

    /// <summary>The session, as a fault log line names it.</summary>
    protected string Name => $"{_replies.Protocol} {Session.ListenerName} {Client}";

    /// <summary>The first step, once the client is classified: the greeting.</summary>
    protected abstract TStep Greet(PolicyProtocol.ConnectionPolicy policy);

    /// <summary>The step one received line leads to.</summary>
    protected abstract TStep Handle(ConnectionEvents.Line line);

    /// <summary>Takes the step's state and carries out its effects; one that must finish before the next line is
    /// handled goes through <see cref="Run"/>, <see cref="StartTls"/> or <see cref="Finish"/>, and is the last.</summary>
    protected abstract void Apply(TStep step);

    /// <summary>The protocol's fields of the one log line a session end writes.</summary>
    protected abstract string EndFields();

    /// <summary>Gives back what the protocol holds (a mailbox lock) when the session ends.</summary>
    protected virtual void Release() { }

    private sealed record EffectDone(TStep Step);

    /// <summary>A deadline set with <see cref="StartDeadline"/> passed.</summary>
    private sealed record DeadlinePassed(long Id, string Reply, string Outcome);

    private ICancelable? _deadline;
    private long _deadlineId;

    /// <summary>Classifies the client from the policy this node enforces now (no round trip: issue 16), applies the
    /// per-address limit to an outside client and greets it.</summary>
    protected override void PreStart()
    {
        MailMetrics.ConnectionOpened(Session.Node, Session.ListenerName);
        var policy = Policy = Session.Policy.Current.For(Client, Session.Listener);
        if (!policy.Zone.IsInside())
        {
            if (!Session.Limiter.TryAcquire(Client))
            {
                Finish(_replies.TooManyConnections, "too many connections from address");
                return;
            }
            _countedAgainstLimit = true;
        }
        _waiting = false;
        Apply(Greet(policy));
        if (!_waiting) Drain();
    }

    /// <summary>Lines are handled as they come, except while an effect runs (<c>_waiting</c>): then they wait in the
    /// queue until its step arrives. One behaviour for both, so that running an effect costs no <c>Become</c>.</summary>
    private void Reading()
    {
        Receive<ConnectionEvents.Received>(received =>
        {
            Enqueue(received);
            Drain();
        });
        Receive<EffectDone>(done =>
        {
            _waiting = false;
            Apply(done.Step);
            Drain();
        });
        Receive<Status.Failure>(_ => Finish(_replies.TryLater, "internal error"));
        ConnectionGone();
    }

    /// <summary>Between STLS/STARTTLS and the end of the handshake, clear text is thrown away (RFC 2595 §4,
    /// RFC 3207 §4.2; CVE-2011-0411).</summary>
    private Action NegotiatingTls(Func<TStep> established) => () =>
    {
        Receive<ConnectionEvents.TlsEstablished>(_ =>
        {
            _waiting = false;
            Apply(established());
            if (!_waiting) Resume();
        });
        Receive<ConnectionEvents.TlsFailed>(f =>
        {
            _outcome = "TLS handshake failed: " + f.Reason;
            Connection.Close();
        });
        Receive<ConnectionEvents.Received>(_ => Connection.Consumed(1));
        ConnectionGone();
    };

    private void Closing()
    {
        Receive<ConnectionEvents.Closed>(_ => Context.Stop(Self));
        Receive<ConnectionEvents.Received>(_ => Connection.Consumed(1));
        ReceiveAny(_ => { });
    }

    private void ConnectionGone()
    {
        Receive<ConnectionEvents.Idle>(_ => Finish(_replies.Idle, "idle timeout"));
        Receive<DeadlinePassed>(d => d.Id == _deadlineId, d => Finish(d.Reply, d.Outcome));
        Receive<ConnectionEvents.Closed>(_ => Context.Stop(Self));
    }

    private void Enqueue(ConnectionEvents.Received received) => _input.Enqueue(received.Line);

    /// <summary>Handles queued lines in order until one starts an effect that must finish first.</summary>
    private void Drain()
    {
        while (!_waiting && _input.TryDequeue(out var line))
        {
            Connection.Consumed(1);
            Apply(Handle(line));
        }
    }

    private void Resume()
    {
        Become(Reading);
        Drain();
    }

    /// <summary>Carries out an effect whose outcome is the machine's next step. One that is already done (a read
    /// that completed synchronously) is applied at once, without a round trip through the mailbox.</summary>
    protected void Run(Task<TStep> work)
    {
        if (work.IsCompletedSuccessfully)
        {
            Apply(work.Result);
            return;
        }
        _waiting = true;
        var name = Name;
        var facts = Session.Facts;
        work.PipeTo(Self, success: step => new EffectDone(step), failure: e =>
        {
            facts.Fault(name, "effect", e);
            return new Status.Failure(e);
        });
    }

    /// <summary>Writes the reply in clear, then negotiates TLS; what the client pipelined meanwhile is discarded.</summary>
    protected void StartTls(string readyReply, Func<TStep> established)
    {
        DiscardInput();
        _waiting = true;
        Become(NegotiatingTls(established));
        Connection.StartTls(readyReply);
    }

    /// <summary>Ends the session with <paramref name="reply"/> unless <see cref="CancelDeadline"/> comes first: a bound
    /// on a whole phase (a DATA transfer) that input trickling in cannot stretch, as it stretches the idle timer.</summary>
    protected void StartDeadline(TimeSpan after, string reply, string outcome)
    {
        CancelDeadline();
        _deadline = Context.System.Scheduler.ScheduleTellOnceCancelable(after, Self, new DeadlinePassed(_deadlineId, reply, outcome), Self);
    }

    protected void CancelDeadline()
    {
        _deadline?.Cancel();
        _deadline = null;
        _deadlineId++;
    }

    /// <summary>Writes the reply if any, closes the connection after it, and reads nothing more.</summary>
    protected void Finish(string? reply, string outcome)
    {
        _outcome = outcome;
        if (reply is not null) Connection.Write(reply);
        Connection.Close();
        _waiting = true;
        DiscardInput();
        Become(Closing);
    }

    private void DiscardInput()
    {
        Connection.Consumed(_input.Count);
        _input.Clear();
    }

    protected override void PostStop()
    {
        MailMetrics.ConnectionClosed(Session.Node, Session.ListenerName);
        _deadline?.Cancel();
        Release();
        if (_countedAgainstLimit) Session.Limiter.Release(Client);
        Log.Info("{0} session end: client={1} listener={2} zone={3} {4} outcome={5}", _replies.Protocol, Client, Session.ListenerName,
            Policy is null ? "-" : ZoneNames.Of(Policy.Zone), EndFields(), _outcome);
    }
}

/// <summary>What the shell itself says, in a protocol's words: when the address has too many connections, when
/// something needed did not answer, and when the client was idle too long.</summary>
public sealed record SessionReplies(string Protocol, string TooManyConnections, string TryLater, string Idle);
