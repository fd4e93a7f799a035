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

    /// <param name="Id">the reservation to settle, or null when <paramref name="Blocked"/>.</param>
    public sealed record Reservation(long? Id)
    {
        public bool Blocked => Id is null;
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
    private sealed class PruneTick
    {
        public static readonly PruneTick Instance = new();
    }

    public ITimerScheduler Timers { get; set; } = null!;

    public AuthFailureTracker(AuthFailureSettings settings)
    {
        var book = new AuthFailureBook(settings);
        Receive<AuthFailureProtocol.Reserve>(r => Sender.Tell(new AuthFailureProtocol.Reservation(book.Reserve(r.Address, r.Account, DateTime.UtcNow))));
        Receive<AuthFailureProtocol.Settle>(s =>
        {
            var settlement = book.Settle(s.Id, s.Address, s.Account, s.Result, DateTime.UtcNow);
            Sender.Tell(new AuthFailureProtocol.Settled(settlement.Delay, settlement.AccountBlocked, settlement.AddressBlocked));
        });
        Receive<PruneTick>(_ => book.Prune(DateTime.UtcNow));
    }

    protected override void PreStart() =>
        Timers.StartPeriodicTimer("prune", PruneTick.Instance, TimeSpan.FromMinutes(1));

    public static Props Props(AuthFailureSettings settings) =>
        Akka.Actor.Props.Create(() => new AuthFailureTracker(settings));
}
