using System.Collections.Concurrent;
using Akka.Actor;
using MailActors.Delivery;

namespace MailActors.Tests.Delivery;

/// <summary>Collects the delivery events a node publishes on its EventStream, as the audit journal will.</summary>
public sealed class DeliveryEventLog
{
    private readonly ConcurrentQueue<DeliveryEvents.IDeliveryEvent> _events = new();

    private sealed class Collector : ReceiveActor
    {
        public Collector(ConcurrentQueue<DeliveryEvents.IDeliveryEvent> events) => Receive<DeliveryEvents.IDeliveryEvent>(events.Enqueue);
    }

    public static DeliveryEventLog Attach(ActorSystem system)
    {
        var log = new DeliveryEventLog();
        var collector = system.ActorOf(Props.Create(() => new Collector(log._events)));
        system.EventStream.Subscribe(collector, typeof(DeliveryEvents.IDeliveryEvent));
        return log;
    }

    public IReadOnlyList<DeliveryEvents.IDeliveryEvent> All => _events.ToList();

    public IReadOnlyList<T> Of<T>() => _events.OfType<T>().ToList();

    /// <summary>
    /// The events of a kind once there are at least <paramref name="count"/>: an outcome is recorded in the queue a
    /// moment before its event is published, so an empty queue does not yet mean every event is out.
    /// </summary>
    public async Task<IReadOnlyList<T>> WaitForAsync<T>(int count)
    {
        await Support.Eventually.AssertAsync(() => Task.FromResult(Of<T>().Count >= count), $"{count} {typeof(T).Name} event(s)");
        return Of<T>();
    }
}
