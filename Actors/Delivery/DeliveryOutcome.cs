using System.Net.Sockets;
using System.Text.RegularExpressions;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace MailActors.Delivery;

/// <summary>What became of one recipient's attempt.</summary>
public abstract record DeliveryOutcome(string Reply)
{
    /// <summary>The remote answered 250 to the end of DATA.</summary>
    public sealed record Delivered(string Reply) : DeliveryOutcome(Reply);

    /// <summary>A 4xx reply or a connection fault: tried again on the schedule.</summary>
    public sealed record Deferred(string Reply) : DeliveryOutcome(Reply);

    /// <summary>A 5xx reply or a permanent routing failure: bounced. <c>Status</c> is an RFC 3463 code (5.x.x).</summary>
    public sealed record Failed(string Status, string Reply) : DeliveryOutcome(Reply);
}

/// <summary>Turns what MailKit (or the network) threw into an outcome; no sockets needed to test it.</summary>
public static partial class OutcomeClassifier
{
    public static DeliveryOutcome Classify(Exception e) => e switch
    {
        SmtpCommandException command => FromReply((int)command.StatusCode, command.Message),
        SmtpProtocolException protocol => new DeliveryOutcome.Deferred("protocol error: " + protocol.Message),
        SslHandshakeException tls => new DeliveryOutcome.Deferred("TLS handshake failed: " + FirstLine(tls.Message)),
        SocketException socket => new DeliveryOutcome.Deferred($"connection failed: {socket.SocketErrorCode}: {socket.Message}"),
        IOException io => new DeliveryOutcome.Deferred("connection lost: " + Inner(io)),
        TimeoutException timeout => new DeliveryOutcome.Deferred("timed out: " + timeout.Message),
        OperationCanceledException => new DeliveryOutcome.Deferred("timed out"),
        ServiceNotConnectedException => new DeliveryOutcome.Deferred("connection lost: not connected"),
        ServiceNotAuthenticatedException auth => new DeliveryOutcome.Deferred("authentication required: " + auth.Message),
        AuthenticationException auth => new DeliveryOutcome.Deferred("authentication failed: " + auth.Message),
        _ => new DeliveryOutcome.Deferred($"{e.GetType().Name}: {FirstLine(e.Message)}"),
    };

    /// <summary>A reply's code decides: 5xx fails, anything else not 2xx defers.</summary>
    public static DeliveryOutcome FromReply(int code, string text)
    {
        var reply = $"{code} {FirstLine(text)}".TrimEnd();
        if (code is >= 500 and < 600) return new DeliveryOutcome.Failed(EnhancedStatus(text) is { } s && s[0] == '5' ? s : "5.0.0", reply);
        return new DeliveryOutcome.Deferred(reply);
    }

    /// <summary>The RFC 3463 enhanced status code a reply text begins with ("5.1.1 no such user" → "5.1.1"), if any.</summary>
    public static string? EnhancedStatus(string text)
    {
        var match = EnhancedStatusPattern().Match(text);
        return match.Success ? match.Groups[1].Value : null;
    }

    [GeneratedRegex(@"^\s*([245]\.\d{1,3}\.\d{1,3})(\s|$)")]
    private static partial Regex EnhancedStatusPattern();

    private static string Inner(Exception e) =>
        e.InnerException is SocketException s ? $"{s.SocketErrorCode}: {s.Message}" : FirstLine(e.Message);

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();
}
