using MailActors.Audit;
using MailActors.Configuration;
using MailActors.Policy;

namespace MailActors.Sessions;

/// <summary>What every session of one listener shares, whatever its protocol.</summary>
public sealed record SessionContext(
    MailActorsSettings Settings,
    ListenerKind Listener,
    string Node,
    EnforcedPolicy Policy,
    ConnectionLimiter Limiter,
    FactRecorder Facts)
{
    public static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    public string ListenerName => ListenerNames.Of(Listener);
}
