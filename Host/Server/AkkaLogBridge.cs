using Akka.Actor;
using Akka.DependencyInjection;
using Akka.Dispatch;
using Akka.Event;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace MailActors.Host.Server;

/// <summary>
/// Akka's logger: every Akka log event goes to Microsoft.Extensions.Logging once, as its message alone (the host's
/// formatter adds time, level and category; no second <c>[INFO][date][Thread]</c> prefix inside it). The category is
/// the class that logged; an actor's path, when it says more, starts the message.
/// </summary>
public sealed class AkkaLogBridge : ActorBase, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    private readonly ILoggerFactory _factory =
        DependencyResolver.For(Context.System).Resolver.GetService<ILoggerFactory>();

    protected override bool Receive(object message)
    {
        switch (message)
        {
            case InitializeLogger:
                Sender.Tell(new LoggerInitialized());
                return true;
            case LogEvent e:
                Write(e);
                return true;
            default:
                return false;
        }
    }

    private void Write(LogEvent e)
    {
        var logger = _factory.CreateLogger(CategoryOf(e));
        var level = e.LogLevel() switch
        {
            Akka.Event.LogLevel.DebugLevel => LogLevel.Debug,
            Akka.Event.LogLevel.InfoLevel => LogLevel.Information,
            Akka.Event.LogLevel.WarningLevel => LogLevel.Warning,
            _ => LogLevel.Error,
        };
        if (!logger.IsEnabled(level)) return;
        var text = e.Message?.ToString() ?? "";
        var source = e.LogSource ?? "";
        // An actor's path says which one; a module's source ("Cluster (akka://mailactors)") the category already does.
        if (source.Contains("/user/") || source.Contains("/system/")) text = $"[{ShortPath(source)}] {text}";
        logger.Log(level, e.Cause, "{Message}", text);
    }

    /// <summary>The logging class; for the cluster's own messages (logged under the source "Cluster (address)"),
    /// <see cref="Membership"/>, so that membership changes can be shown while the rest of Akka's chatter is not.</summary>
    private static string CategoryOf(LogEvent e) =>
        e.LogClass is { } type && type != typeof(DummyClassForStringSources) ? type.FullName ?? "Akka"
        : e.LogSource?.StartsWith("Cluster", StringComparison.Ordinal) == true ? Membership
        : "Akka";

    public const string Membership = "Akka.Cluster.Membership";

    /// <summary>The path after the address: <c>akka.tcp://mailactors@host:port/user/x</c> becomes <c>/user/x</c>.</summary>
    private static string ShortPath(string source)
    {
        var start = source.IndexOf("/user/", StringComparison.Ordinal);
        if (start < 0) start = source.IndexOf("/system/", StringComparison.Ordinal);
        return source[start..];
    }
}
