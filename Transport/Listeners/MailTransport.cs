using Akka.Actor;
using DotNetty.Transport.Channels;

namespace MailActors.Transport.Listeners;

/// <summary>
/// The node's network side: the DotNetty event loops and the mail listeners bound on them. The rest of the
/// program starts and stops it and never sees a DotNetty type.
/// </summary>
public sealed class MailTransport(ActorSystem system)
{
    private readonly EventLoopDispatchers _dispatchers = new(system);
    private readonly MultithreadEventLoopGroup _boss = Loops("mail-accept", 1);
    private readonly MultithreadEventLoopGroup _workers = Loops("mail-loop", Environment.ProcessorCount); // DotNetty's default, twice that, only adds context switches
    private readonly List<MailListener> _listeners = [];

    private static MultithreadEventLoopGroup Loops(string name, int count)
    {
        var n = 0;
        return OperatingSystem.IsLinux()
            ? new MultithreadEventLoopGroup(group => new EventFdLoop(group, $"{name}-{Interlocked.Increment(ref n)}"), count)
            : new MultithreadEventLoopGroup(count);
    }

    /// <exception cref="ListenerBindException">the port cannot be bound.</exception>
    public async Task ListenAsync(ListenerOptions options) => _listeners.Add(await MailListener.BindAsync(options, _boss, _workers, _dispatchers));

    /// <summary>Stops accepting on every listener, then closes their open connections.</summary>
    public Task CloseListenersAsync() => Task.WhenAll(_listeners.Select(l => l.CloseAsync()));

    /// <summary>Stops the event loops.</summary>
    /// <returns>false when they did not stop within <paramref name="bound"/> (DotNetty's loops sometimes spin in
    /// ConfirmShutdown forever): the caller goes on regardless, so that a stop never hangs.</returns>
    public async Task<bool> StopAsync(TimeSpan bound)
    {
        var shutdown = Task.WhenAll(
            _boss.ShutdownGracefullyAsync(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(1)),
            _workers.ShutdownGracefullyAsync(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(1)));
        return await Task.WhenAny(shutdown, Task.Delay(bound)) == shutdown;
    }
}
