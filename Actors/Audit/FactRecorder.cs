using Akka.Actor;
using Akka.Event;
using MailActors.Observability;

namespace MailActors.Audit;

/// <summary>
/// The one place a session's fact goes out: to the node's audit stream, to the metrics it feeds, and to the log
/// when an operator would look for it there.
/// </summary>
public sealed class FactRecorder(IActorRef audit, ILoggingAdapter log)
{
    public static readonly TimeSpan DurableTimeout = TimeSpan.FromSeconds(5);

    public void Record(IAuditFact fact)
    {
        audit.Tell(fact);
        Observe(fact);
    }

    /// <summary>Records the fact and waits until it is persisted (a relayed message's record, before its 250).</summary>
    public async Task RecordDurablyAsync(IAuditFact fact)
    {
        Observe(fact);
        await audit.Ask<AuditWriter.Recorded>(new AuditWriter.Record(fact), DurableTimeout);
    }

    /// <summary>A fault that a session turns into a temporary failure (451, -ERR [SYS/TEMP]): logged once, here.</summary>
    /// <param name="session">which session: its listener and client.</param>
    /// <param name="effect">what it was doing.</param>
    public void Fault(string session, string effect, Exception e) =>
        log.Warning("{0}: {1} failed: {2}: {3}", session, effect, e.GetType().Name, e.Message);

    private void Observe(IAuditFact fact)
    {
        switch (fact)
        {
            case AuthSucceeded s:
                MailMetrics.Authenticated(s.Node, s.Listener, s.Mechanism, MailMetrics.Results.Success);
                break;
            case AuthFailed f:
                MailMetrics.Authenticated(f.Node, f.Listener, f.Mechanism, MailMetrics.Results.Failure);
                log.Info("login refused: client={0} listener={1} mechanism={2} user={3} reason={4}",
                    f.Address, f.Listener, f.Mechanism, f.Account, f.Reason);
                break;
            case PolicyRefused p:
                MailMetrics.Authenticated(p.Node, p.Listener, p.Mechanism, MailMetrics.Results.RefusedByPolicy);
                break;
        }
    }
}
