namespace MailActors.Sessions;

/// <summary>What Transport tells a session actor about its connection.</summary>
public static class ConnectionEvents
{
    /// <summary>
    /// A line from the client. The session reports each line it has dealt with through
    /// <see cref="IClientConnection.Consumed"/>; that is what lets Transport read on.
    /// </summary>
    public sealed record Received(Line Line);

    /// <summary>One command or data line, its CRLF (or bare LF: <paramref name="BareLineFeed"/>) stripped, each
    /// octet one char (Latin-1); or the mark of a line longer than the limit, whose octets were discarded up to its end.</summary>
    public readonly record struct Line(string Text, bool TooLong = false, bool BareLineFeed = false);

    /// <summary>Nothing was received for the idle timeout.</summary>
    public sealed class Idle
    {
        public static readonly Idle Instance = new();
    }

    public sealed class TlsEstablished
    {
        public static readonly TlsEstablished Instance = new();
    }

    public sealed record TlsFailed(string Reason);

    /// <summary>The connection is gone; the session ends.</summary>
    public sealed class Closed
    {
        public static readonly Closed Instance = new();
    }
}
