using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using DotNetty.Handlers.Tls;

namespace MailActors.Transport.Listeners;

internal static class TlsHandlers
{
    /// <summary>TLS 1.2 and 1.3 only (DotNetty's default would offer 1.0 and 1.1, and not 1.3).</summary>
    public static TlsHandler Server(X509Certificate2 certificate) =>
        new(stream => new SslStream(stream, leaveInnerStreamOpen: true),
            new ServerTlsSettings(certificate, negotiateClientCertificate: false, checkCertificateRevocation: false,
                SslProtocols.Tls12 | SslProtocols.Tls13));
}
