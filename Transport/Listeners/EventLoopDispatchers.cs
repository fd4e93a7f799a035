using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Dispatch;
using DotNetty.Transport.Channels;

namespace MailActors.Transport.Listeners;

/// <summary>
/// One Akka dispatcher per DotNetty event loop, so that a session actor runs on the thread of its own
/// connection (issue 16): a received line reaches the actor, and its reply reaches the socket, without
/// crossing to another thread and back. Work a session hands off (storage, other actors) still runs elsewhere;
/// only its answer comes back to the loop.
/// </summary>
internal sealed class EventLoopDispatchers(ActorSystem system)
{
    private const string Prefix = "mailactors.session-loop-";
    private const int Throughput = 10; // messages per run, so that one busy session does not hold up the loop's sockets
    private readonly ConcurrentDictionary<IEventLoop, string> _ids = new();
    private int _next;

    /// <summary>The id of the dispatcher that runs actors on <paramref name="loop"/>, registered on first use.</summary>
    public string For(IEventLoop loop) => _ids.GetOrAdd(loop, Register);

    private string Register(IEventLoop loop)
    {
        var id = Prefix + Interlocked.Increment(ref _next);
        var config = system.Settings.Config.GetConfig("akka.actor.default-dispatcher");
        system.Dispatchers.RegisterConfigurator(id, new LoopDispatcherConfigurator(id, loop, config, system.Dispatchers.Prerequisites));
        return id;
    }

    private sealed class LoopDispatcherConfigurator : MessageDispatcherConfigurator
    {
        private readonly MessageDispatcher _dispatcher;

        public LoopDispatcherConfigurator(string id, IEventLoop loop, Akka.Configuration.Config config, IDispatcherPrerequisites prerequisites)
            : base(config, prerequisites) =>
            _dispatcher = new Dispatcher(this, id, Throughput, null, new LoopExecutorFactory(loop, config, prerequisites), TimeSpan.FromSeconds(1));

        public override MessageDispatcher Dispatcher() => _dispatcher;
    }

    private sealed class LoopExecutorFactory(IEventLoop loop, Akka.Configuration.Config config, IDispatcherPrerequisites prerequisites)
        : ExecutorServiceConfigurator(config, prerequisites)
    {
        public override ExecutorService Produce(string id) => new LoopExecutor(id, loop);
    }

    private sealed class LoopExecutor(string id, IEventLoop loop) : ExecutorService(id)
    {
        public override void Execute(IRunnable run)
        {
            // A loop that is shutting down (node stop) takes no more work: the actor's last messages run on the pool.
            if (loop.IsShuttingDown) ThreadPool.UnsafeQueueUserWorkItem(static r => r.Run(), run, preferLocal: false);
            else loop.Execute(static r => ((IRunnable)r).Run(), run);
        }

        public override void Shutdown() { }
    }
}
