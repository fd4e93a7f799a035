using System.Security.Cryptography.X509Certificates;
using MailActors.Certificates;
using MailActors.Configuration;
using Microsoft.Extensions.Logging;

namespace MailActors.Host.Server;

public static class ServerCertificate
{
    public static string TlsDir(MailActorsSettings settings) => Path.Combine(settings.DataDir, "tls");

    /// <summary>The configured certificate, or the generated one (created on first start).</summary>
    public static X509Certificate2 Load(MailActorsSettings settings, ILogger log)
    {
        if (!settings.Tls.Generated)
            return CertificateAuthority.LoadServerCertificate(settings.Tls.Certificate, settings.Tls.Key);

        var ca = new CertificateAuthority(TlsDir(settings));
        if (!ca.ServerCertificateExists)
        {
            ca.Issue([settings.Hostname], settings.LocalDomains);
            log.LogInformation("Generated a root CA and a server certificate for {Host} under {Dir}", settings.Hostname, TlsDir(settings));
        }
        log.LogInformation("Root CA certificate to hand to users: {CaFile}", ca.CaFile);
        return CertificateAuthority.LoadServerCertificate(ca.ServerCertificateFile, ca.ServerKeyFile);
    }
}
