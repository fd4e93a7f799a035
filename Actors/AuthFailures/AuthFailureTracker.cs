using Akka.Actor;
using MailActors.Configuration;

namespace MailActors.AuthFailures;

/// <summary>
/// The brute-force protocol (docs/spec.md §5, §14): reserve before the password is checked, settle after. Addresses
/// are client keys (an IPv4 address or an IPv6 /64), accounts normalized names.
/// </summary>
public static class AuthFailureProtocol
{
    /// <summary>May this client try to log in to this account now? Answered with a <see cref="Reservation"/>.</summary>
    public sealed record Reserve(string Address, string Account);

    /// <param name="Id">the reservation to settle, or null when refused.</param>
    /// <param name="Busy">refused only because attempts in flight took what is left of a limit for longer than
    /// <see cref="AuthFailureTracker.MaxQueueWait"/>: a temporary failure, not a block.</param>
    public sealed record Reservation(long? Id, bool Busy = false)
    {
        public bool Blocked => Id is null && !Busy;
    }

    /// <summary>How the reserved attempt ended; answered with <see cref="Settled"/>.</summary>
    public sealed record Settle(long Id, string Address, string Account, AttemptResult Result);

    /// <summary>How long to wait before the reply; whether this failure blocked the account or the address.</summary>
    public sealed record Settled(TimeSpan Wait, bool AccountBlocked, bool AddressBlocked);
}

/// <summary>The brute-force counters, run as a cluster singleton so they count cluster-wide. One message at a time,
/// so a reservation and the count it is checked against can never race.</summary>
public sealed class AuthFailureTracker : ReceiveActor, IWithTimers
{
    /// <summary>How long an attempt waits for its turn when the attempts in flight take what is left of a limit;
    /// within the sessions' ask timeout.</summary>
    public static readonly TimeSpan MaxQueueWait = TimeSpan.FromSeconds(4);

    private sealed class PruneTick
    {
        public static readonly PruneTick Instance = new();
    }

    private sealed class QueueTick
    {
        public static readonly QueueTick Instance = new();
    }

    private sealed record Waiting(AuthFailureProtocol.Reserve Request, IActorRef Asker, DateTime Since);

    public ITimerScheduler Timers { get; set; } = null!;

    private readonly AuthFailureBook _book;
    private readonly TimeSpan _maxQueueWait;

    /// <summary>Attempts that are not blocked but must wait until one in flight settles (docs/spec.md §14: concurrent
    /// attempts are counted before the password is checked). Legitimate logins in parallel from one address (a
    /// campus NAT) wait their turn instead of being told they failed.</summary>
    private readonly LinkedList<Waiting> _waiting = new();

    /// <param name="maxQueueWait"><see cref="MaxQueueWait"/> unless a test asks for less.</param>
    public AuthFailureTracker(AuthFailureSettings settings, TimeSpan? maxQueueWait = null)
    {
        _book = new AuthFailureBook(settings);
        _maxQueueWait = maxQueueWait ?? MaxQueueWait;
        Receive<AuthFailureProtocol.Reserve>(r =>
        {
            var now = DateTime.UtcNow;
            if (_book.Reserve(r.Address, r.Account, now) is { } id) Sender.Tell(new AuthFailureProtocol.Reservation(id));
            else if (_book.IsBlocked(r.Address, r.Account, now)) Sender.Tell(new AuthFailureProtocol.Reservation(null));
            else
            {
                _waiting.AddLast(new Waiting(r, Sender, now));
                if (_waiting.Count == 1) Timers.StartPeriodicTimer("queue", QueueTick.Instance, TimeSpan.FromMilliseconds(500));
            }
        });
        Receive<AuthFailureProtocol.Settle>(s =>
        {
            var settlement = _book.Settle(s.Id, s.Address, s.Account, s.Result, DateTime.UtcNow);
            Sender.Tell(new AuthFailureProtocol.Settled(settlement.Delay, settlement.AccountBlocked, settlement.AddressBlocked));
            AdmitWaiting();
        });
        Receive<QueueTick>(_ => AdmitWaiting());
        Receive<PruneTick>(_ => _book.Prune(DateTime.UtcNow));
    }

    /// <summary>In arrival order: each waiting attempt is reserved, refused as blocked, left waiting, or after
    /// the longest queue wait answered busy.</summary>
    private void AdmitWaiting()
    {
        var now = DateTime.UtcNow;
        for (var node = _waiting.First; node is not null;)
        {
            var (request, asker, since) = node.Value;
            var next = node.Next;
            AuthFailureProtocol.Reservation? answer =
                _book.Reserve(request.Address, request.Account, now) is { } id ? new(id)
                : _book.IsBlocked(request.Address, request.Account, now) ? new(null)
                : now - since >= _maxQueueWait ? new(null, Busy: true)
                : null;
            if (answer is not null)
            {
                asker.Tell(answer);
                _waiting.Remove(node);
            }
            node = next;
        }
        if (_waiting.Count == 0) Timers.Cancel("queue");
    }

    protected override void PreStart() =>
        Timers.StartPeriodicTimer("prune", PruneTick.Instance, TimeSpan.FromMinutes(1));

    public static Props Props(AuthFailureSettings settings, TimeSpan? maxQueueWait = null) =>
        Akka.Actor.Props.Create(() => new AuthFailureTracker(settings, maxQueueWait));
}
