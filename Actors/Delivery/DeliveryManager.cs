using Akka.Actor;
using Akka.Event;
using MailActors.Storage;

namespace MailActors.Delivery;

/// <summary>
/// One per node: claims due recipients from the durable queue under a lease (so no other node delivers them while it
/// works), hands each to the worker of its destination, renews the leases of what is still in hand, and publishes every
/// attempt's outcome on the EventStream. The queue, not this actor, is the memory: anything in hand when the node dies
/// is taken over by whichever node claims it after its lease runs out.
/// </summary>
public sealed class DeliveryManager : ReceiveActor, IWithTimers
{
    /// <summary>Recipients in hand at once on one node (claimed and not yet recorded).</summary>
    public const int MaxInFlight = 256;

    private sealed record Poll : IDeadLetterSuppression
    {
        public static readonly Poll Instance = new();
    }

    private sealed record Renew : IDeadLetterSuppression
    {
        public static readonly Renew Instance = new();
    }

    private sealed record Claimed(IReadOnlyList<ClaimedRecipient> Jobs, int Asked);

    private sealed record ClaimFailed(Exception Fault);

    private readonly DeliveryProfile _profile;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<long, ClaimedRecipient> _inFlight = [];
    private readonly Dictionary<string, IActorRef> _workers = [];
    private bool _polling, _pollAgain;
    private long _attempts;
    private string? _lastClaimFault;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(DeliveryProfile profile) => Akka.Actor.Props.Create(() => new DeliveryManager(profile));

    public DeliveryManager(DeliveryProfile profile)
    {
        _profile = profile;
        Receive<Poll>(_ => StartPoll());
        Receive<Claimed>(OnClaimed);
        Receive<ClaimFailed>(f =>
        {
            _polling = false;
            // Polled often: say it once, and again only when the trouble changes.
            if (f.Fault.Message != _lastClaimFault) _log.Warning("delivery: cannot read the outbound queue: {0}", f.Fault.Message);
            _lastClaimFault = f.Fault.Message;
        });
        Receive<Renew>(_ => RenewLeases());
        Receive<DeliveryProtocol.Finished>(OnFinished);
        Receive<DeliveryProtocol.GetState>(_ => Sender.Tell(new DeliveryProtocol.State(_inFlight.Count, _attempts, profile.Owner)));
    }

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer("poll", Poll.Instance, TimeSpan.Zero, _profile.Settings.Relay.PollInterval);
        var renew = _profile.Settings.Relay.Lease / 3;
        Timers.StartPeriodicTimer("renew", Renew.Instance, renew, renew);
    }

    private void StartPoll()
    {
        var room = MaxInFlight - _inFlight.Count;
        if (_polling || room <= 0)
        {
            _pollAgain = true;
            return;
        }
        _polling = true;
        _pollAgain = false;
        _profile.Queue.ClaimAsync(_profile.Owner, DateTime.UtcNow, _profile.Settings.Relay.Lease, room)
            .PipeTo(Self, success: jobs => new Claimed(jobs, room), failure: e => new ClaimFailed(e));
    }

    private void OnClaimed(Claimed claimed)
    {
        _polling = false;
        _lastClaimFault = null;
        // still in hand from an earlier claim whose lease lapsed: not twice
        var fresh = claimed.Jobs.Where(job => _inFlight.TryAdd(job.Id, job)).ToList();
        foreach (var group in fresh.GroupBy(job => _profile.Router.DestinationOf(DeliveryRunner.DomainOf(job.Recipient))))
            WorkerFor(group.Key).Tell(new DeliveryProtocol.Work(group.ToList()));
        // A full batch: there is probably more due; ask again as soon as there is room.
        if (claimed.Jobs.Count == claimed.Asked || _pollAgain) Self.Tell(Poll.Instance);
    }

    private IActorRef WorkerFor(string destination)
    {
        if (_workers.TryGetValue(destination, out var worker)) return worker;
        worker = Context.ActorOf(DestinationWorker.Props(_profile, destination), "dest-" + _workers.Count);
        _workers[destination] = worker;
        return worker;
    }

    private void OnFinished(DeliveryProtocol.Finished finished)
    {
        _inFlight.Remove(finished.Job.Id);
        _attempts++;
        var job = finished.Job;
        switch (finished.Event)
        {
            case DeliveryEvents.MessageDelivered d:
                _log.Info($"delivery: id={job.QueueId} to=<{job.Recipient}> host={d.DestinationHost} attempt={d.Attempts} delivered: {d.Reply}");
                break;
            case DeliveryEvents.DeliveryDeferred d:
                _log.Info($"delivery: id={job.QueueId} to=<{job.Recipient}> host={d.DestinationHost} attempt={d.Attempts} deferred until {d.NextAttemptUtc:O}: {d.Reply}");
                break;
            case DeliveryEvents.MessageBounced b:
                _log.Info($"delivery: id={job.QueueId} to=<{job.Recipient}> host={b.DestinationHost} attempt={b.Attempts} bounced ({b.Status}, DSN {b.Bounce}): {b.Reply}");
                break;
            case null when finished.Fault is not null:
                // Could not record (storage trouble): the lease runs out and the attempt is made again.
                _log.Warning($"delivery: id={job.QueueId} to=<{job.Recipient}>: outcome not recorded, will be tried again: {finished.Fault.Message}");
                break;
            case null:
                _log.Warning($"delivery: id={job.QueueId} to=<{job.Recipient}>: entry was removed or taken over meanwhile; outcome not recorded");
                break;
        }
        if (finished.Event is not null) Context.System.EventStream.Publish(finished.Event);
        if (_pollAgain) StartPoll();
    }

    /// <summary>
    /// A clean stop gives its leases back, so that the next start (or another node) need not wait for them to run out.
    /// Attempts still running are cancelled with their workers; were one already past the remote's 250, the retry is
    /// the duplicate SMTP allows, as after a crash.
    /// </summary>
    protected override void PostStop()
    {
        if (_inFlight.Count == 0) return;
        try
        {
            if (!_profile.Queue.ReleaseAsync(_profile.Owner, _inFlight.Keys.ToList()).Wait(TimeSpan.FromSeconds(5)))
                _log.Warning($"delivery: could not give back {_inFlight.Count} lease(s) within 5 s; they run out by themselves");
        }
        catch (Exception e)
        {
            _log.Warning($"delivery: could not give back {_inFlight.Count} lease(s) ({e.GetBaseException().Message}); they run out by themselves");
        }
    }

    private void RenewLeases()
    {
        if (_inFlight.Count == 0) return;
        var ids = _inFlight.Keys.ToList();
        _profile.Queue.RenewAsync(_profile.Owner, ids, DateTime.UtcNow + _profile.Settings.Relay.Lease)
            .ContinueWith(t =>
            {
                if (t.IsFaulted) _log.Warning($"delivery: could not renew {ids.Count} lease(s): {t.Exception?.GetBaseException().Message}");
            }, TaskContinuationOptions.ExecuteSynchronously);
    }
}
