namespace MailActors.Sessions;

/// <summary>What Transport tells a session actor about its connection.</summary>
public static class ConnectionEvents
{
    /// <summary>One command or data line, CRLF stripped, each octet one char (Latin-1).</summary>
    public sealed record LineReceived(string Line);

    /// <summary>A line longer than the limit arrived; its octets are being discarded up to the next line end.</summary>
    public sealed class LineTooLong
    {
        public static readonly LineTooLong Instance = new();
    }

    /// <summary>Every line of the last read has been delivered; the session asks for more when it is ready.</summary>
    public sealed class ReadComplete
    {
        public static readonly ReadComplete Instance = new();
    }

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
