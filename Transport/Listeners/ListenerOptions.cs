using System.Net;
using System.Security.Cryptography.X509Certificates;
using MailActors.Policy;
using MailActors.Sessions;

namespace MailActors.Transport.Listeners;

/// <summary>
/// One listener: where it binds, how TLS applies, and who starts its sessions. <paramref name="BusyReply"/>
/// is what a connection over the node's <paramref name="Gate"/> reads before it is closed (none on implicit TLS).
/// </summary>
public sealed record ListenerOptions(
    ListenerKind Kind,
    IPEndPoint Endpoint,
    X509Certificate2 Certificate,
    bool ImplicitTls,
    int MaxLineLength,
    TimeSpan IdleTimeout,
    TimeSpan TlsHandshakeTimeout,
    Func<IPAddress, bool> IsTrustedProxy,
    ISessionFactory Sessions,
    ConnectionGate Gate,
    string? BusyReply);
