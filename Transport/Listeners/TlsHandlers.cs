using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using DotNetty.Handlers.Tls;

namespace MailActors.Transport.Listeners;

internal static class TlsHandlers
{
    // One certificate context per certificate: built once, not on every handshake (issue 16).
    private static readonly ConditionalWeakTable<X509Certificate2, SslStreamCertificateContext> Contexts = new();

    /// <summary>TLS 1.2 and 1.3 only (DotNetty's default would offer 1.0 and 1.1, and not 1.3).</summary>
    public static TlsHandler Server(X509Certificate2 certificate)
    {
        var context = Contexts.GetValue(certificate, c => SslStreamCertificateContext.Create(c, additionalCertificates: null, offline: true));
        return new(stream => new PreparedServerSslStream(new InlineFlushStream(stream), context),
            new ServerTlsSettings(certificate, negotiateClientCertificate: false, checkCertificateRevocation: false,
                SslProtocols.Tls12 | SslProtocols.Tls13));
    }

    /// <summary>
    /// DotNetty's TlsHandler starts the server handshake with a bare certificate, for which SslStream builds a
    /// certificate context (chain included) on every connection; this stream hands it the one built in advance.
    /// TLS session resumption (tickets) stays on, for clients that offer it.
    /// </summary>
    private sealed class PreparedServerSslStream(Stream inner, SslStreamCertificateContext context)
        : SslStream(inner, leaveInnerStreamOpen: true)
    {
        public override Task AuthenticateAsServerAsync(X509Certificate serverCertificate, bool clientCertificateRequired,
            SslProtocols enabledSslProtocols, bool checkCertificateRevocation) =>
            AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificateContext = context,
                ClientCertificateRequired = clientCertificateRequired,
                EnabledSslProtocols = enabledSslProtocols,
                CertificateRevocationCheckMode = checkCertificateRevocation ? X509RevocationMode.Online : X509RevocationMode.NoCheck,
                AllowTlsResume = true,
            });
    }
}
