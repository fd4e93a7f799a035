using Akka.Actor;
using MailActors.Configuration;

namespace MailActors.AuthFailures;

public static class AuthFailureProtocol
{
    /// <summary>May this address try to log in to this account now?</summary>
    public sealed record Check(string Address, string Account);

    public sealed record Verdict(bool Blocked);

    /// <summary>A password or digest was checked and was wrong.</summary>
    public sealed record Failed(string Address, string Account);

    /// <summary>How long to wait before the -ERR; whether this failure blocked the account or the address.</summary>
    public sealed record Delay(TimeSpan Wait, bool AccountBlocked, bool AddressBlocked);
}

/// <summary>The brute-force counters, run as a cluster singleton so they count cluster-wide.</summary>
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
        Receive<AuthFailureProtocol.Check>(c => Sender.Tell(new AuthFailureProtocol.Verdict(book.IsBlocked(c.Address, c.Account, DateTime.UtcNow))));
        Receive<AuthFailureProtocol.Failed>(f =>
        {
            var (wait, accountBlocked, addressBlocked) = book.RecordFailure(f.Address, f.Account, DateTime.UtcNow);
            Sender.Tell(new AuthFailureProtocol.Delay(wait, accountBlocked, addressBlocked));
        });
        Receive<PruneTick>(_ => book.Prune(DateTime.UtcNow));
    }

    protected override void PreStart() =>
        Timers.StartPeriodicTimer("prune", PruneTick.Instance, TimeSpan.FromMinutes(1));

    public static Props Props(AuthFailureSettings settings) =>
        Akka.Actor.Props.Create(() => new AuthFailureTracker(settings));
}
