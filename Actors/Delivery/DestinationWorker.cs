using Akka.Actor;
using Akka.Event;
using MailActors.Storage;

namespace MailActors.Delivery;

/// <summary>
/// The per-destination side of delivery (one smarthost, or one recipient domain): at most
/// relay.connections-per-destination lanes (SMTP connections) at once, reused from one message to the next and closed
/// when idle. The attempts run as tasks; the actor only decides which lane takes which job.
/// </summary>
public sealed class DestinationWorker : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan IdleClose = TimeSpan.FromSeconds(5);

    /// <summary>RFC 5321 4.5.3.1.8: a server must take at least 100 recipients.</summary>
    private const int MaxRecipientsPerTransaction = 100;

    private sealed record LaneDone(SmtpLane Lane, IReadOnlyList<DeliveryProtocol.Finished> Finished);

    private sealed record CloseIdle : IDeadLetterSuppression
    {
        public static readonly CloseIdle Instance = new();
    }

    private readonly DeliveryProfile _profile;
    private readonly string _destination;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Queue<ClaimedRecipient> _waiting = new();
    private readonly Stack<SmtpLane> _idle = new();
    private readonly CancellationTokenSource _stopping = new();
    private int _lanes;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(DeliveryProfile profile, string destination) =>
        Akka.Actor.Props.Create(() => new DestinationWorker(profile, destination));

    public DestinationWorker(DeliveryProfile profile, string destination)
    {
        _profile = profile;
        _destination = destination;
        Receive<DeliveryProtocol.Work>(work =>
        {
            foreach (var job in work.Jobs) _waiting.Enqueue(job);
            Dispatch();
        });
        Receive<LaneDone>(done =>
        {
            foreach (var finished in done.Finished) Context.Parent.Tell(finished);
            _idle.Push(done.Lane);
            Dispatch();
            if (_waiting.Count == 0) Timers.StartSingleTimer("idle", CloseIdle.Instance, IdleClose);
        });
        Receive<CloseIdle>(_ignored =>
        {
            var keep = new Stack<SmtpLane>();
            while (_idle.TryPop(out var lane))
            {
                if (DateTime.UtcNow - lane.IdleSinceUtc >= IdleClose)
                {
                    _lanes--;
                    _ = lane.CloseAsync();
                }
                else keep.Push(lane);
            }
            foreach (var lane in keep) _idle.Push(lane);
            if (_idle.Count > 0) Timers.StartSingleTimer("idle", CloseIdle.Instance, IdleClose);
        });
    }

    private void Dispatch()
    {
        while (_waiting.Count > 0)
        {
            SmtpLane lane;
            if (_idle.TryPop(out var idle)) lane = idle;
            else if (_lanes < _profile.Settings.Relay.ConnectionsPerDestination)
            {
                lane = new SmtpLane(_profile.Settings.Hostname, _profile.Settings.Relay.CommandTimeout);
                _lanes++;
            }
            else return;
            // Recipients of one message waiting here go together: one transaction, one copy of the data.
            var job = _waiting.Dequeue();
            var batch = new List<ClaimedRecipient> { job };
            if (_waiting.Any(w => w.MessageRow == job.MessageRow))
            {
                var rest = new Queue<ClaimedRecipient>();
                while (_waiting.TryDequeue(out var w))
                    if (w.MessageRow == job.MessageRow && batch.Count < MaxRecipientsPerTransaction) batch.Add(w);
                    else rest.Enqueue(w);
                while (rest.TryDequeue(out var w)) _waiting.Enqueue(w);
            }
            Run(lane, batch).PipeTo(Self);
        }
    }

    private async Task<LaneDone> Run(SmtpLane lane, IReadOnlyList<ClaimedRecipient> jobs)
    {
        try
        {
            var events = await _profile.Runner.RunAsync(jobs, lane, _profile.Owner, _profile.Node, _stopping.Token);
            return new LaneDone(lane, events.Select(e => new DeliveryProtocol.Finished(e.Job, e.Event, null)).ToList());
        }
        catch (Exception e)
        {
            await lane.CloseAsync();
            return new LaneDone(lane, jobs.Select(j => new DeliveryProtocol.Finished(j, null, e)).ToList());
        }
    }

    protected override void PostStop()
    {
        _stopping.Cancel();
        while (_idle.TryPop(out var lane)) _ = lane.CloseAsync();
        _log.Debug("delivery worker for {0} stopped", _destination);
    }
}
