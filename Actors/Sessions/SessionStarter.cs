using System.Collections.Concurrent;
using Akka.Actor;

namespace MailActors.Sessions;

/// <summary>
/// Where session actors are started (issue 16). A session runs on its connection's dispatcher when Transport offers one,
/// and is then the child of a parent on that same dispatcher, not of the <c>/user</c> guardian: Akka completes a new
/// child's start, and hears of its end, on the parent's dispatcher, which for the guardian meant a pool thread woken
/// twice per connection. While a dispatcher's parent is still starting (or stopped, at shutdown), and for a connection
/// without a dispatcher, the session is a guardian child as before.
/// </summary>
public sealed class SessionStarter : IExtension
{
    private readonly ActorSystem _system;
    private readonly ConcurrentDictionary<string, IActorRef> _parents = new();

    public SessionStarter(ActorSystem system) => _system = system;

    public static SessionStarter For(ActorSystem system) => system.WithExtension<SessionStarter, Provider>();

    public IActorRef Start(Props session, IClientConnection connection)
    {
        if (connection.Dispatcher is not { } dispatcher) return _system.ActorOf(session);
        session = session.WithDispatcher(dispatcher);
        return ParentOn(dispatcher) is ActorRefWithCell { Underlying: ActorCell { IsTerminated: false } cell }
            ? cell.AttachChild(session, isSystemService: false)
            : _system.ActorOf(session);
    }

    private IActorRef ParentOn(string dispatcher)
    {
        if (_parents.TryGetValue(dispatcher, out var parent)) return parent;
        lock (_parents)
        {
            if (_parents.TryGetValue(dispatcher, out parent)) return parent;
            parent = _system.ActorOf(Props.Create<SessionParent>().WithDispatcher(dispatcher), "sessions-" + (_parents.Count + 1));
            _parents[dispatcher] = parent;
            return parent;
        }
    }

    /// <summary>Only a parent: its children's failures are handled by the default strategy, as the guardian's were.</summary>
    private sealed class SessionParent : UntypedActor
    {
        protected override void OnReceive(object message) => Unhandled(message);
    }

    private sealed class Provider : ExtensionIdProvider<SessionStarter>
    {
        public override SessionStarter CreateExtension(ExtendedActorSystem system) => new(system);
    }
}
