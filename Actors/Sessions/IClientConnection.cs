using System.Net;

namespace MailActors.Sessions;

/// <summary>
/// A client's connection as a session actor sees it; Transport implements it over a DotNetty channel.
/// Every method is safe to call from any thread and never blocks.
/// </summary>
public interface IClientConnection
{
    /// <summary>The client: the TCP peer, or the address a trusted proxy reported in its PROXY header.</summary>
    IPAddress ClientAddress { get; }

    bool IsTls { get; }

    /// <summary>The Akka dispatcher that runs the session on the connection's own network thread (no thread hop per
    /// line and reply), or null for the default dispatcher.</summary>
    string? Dispatcher => null;

    void Write(string text);

    /// <summary>Completes once the connection can take more (its outbound buffer is below the high-water mark):
    /// a session waits for it before the next response, so a client that does not read cannot make the
    /// server buffer without bound.</summary>
    Task WriteAsync(byte[] bytes);

    /// <summary>
    /// Backpressure: the session has dealt with this many received lines. Transport stops reading from the
    /// socket while too many lines wait in the session, and reads on once it has caught up.
    /// </summary>
    void Consumed(int lines);

    /// <summary>Writes the reply in clear, then starts a TLS handshake (STLS, STARTTLS); answers with <see cref="ConnectionEvents.TlsEstablished"/> or <see cref="ConnectionEvents.TlsFailed"/>.</summary>
    void StartTls(string reply);

    /// <summary>Closes after everything written so far has been flushed.</summary>
    void Close();
}
