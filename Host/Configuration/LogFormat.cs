using Akka.Configuration;
using MailActors.Configuration;
using Microsoft.Extensions.Logging;

namespace MailActors.Host.Configuration;

/// <summary><c>mailactors.logging.format</c>: one line of text per event, or one JSON object per line for log shippers.</summary>
public enum LogFormat { Text, Json }

public static class LogFormats
{
    public static LogFormat Read(Config root) => (root.GetString("mailactors.logging.format") ?? "text").ToLowerInvariant() switch
    {
        "text" => LogFormat.Text,
        "json" => LogFormat.Json,
        var other => throw new ConfigurationError($"mailactors.logging.format: unknown format \"{other}\" (use \"text\" or \"json\")"),
    };

    /// <summary>The console logger every host of the executable uses.</summary>
    public static ILoggingBuilder AddConsole(this ILoggingBuilder logging, LogFormat format)
    {
        const string time = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        if (format == LogFormat.Json)
            return logging.AddJsonConsole(o =>
            {
                o.TimestampFormat = time.Trim();
                o.UseUtcTimestamp = true;
            });
        return logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = time;
            o.UseUtcTimestamp = true;
        });
    }
}
