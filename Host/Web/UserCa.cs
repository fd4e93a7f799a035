using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MailActors.Certificates;
using MailActors.Configuration;
using MailActors.Host.Server;

namespace MailActors.Host.Web;

/// <summary>
/// The root CA users install (docs/spec.md §16): the generated one under data-dir/tls. With an operator-supplied
/// certificate (<c>tls.certificate</c>) there is none to hand out.
/// </summary>
public sealed class UserCa
{
    public byte[] Der { get; }
    public string Pem { get; }

    /// <summary>As <c>openssl x509 -noout -fingerprint -sha256</c> prints it (OpenSSL 3): <c>sha256 Fingerprint=AB:CD:...</c>.</summary>
    public string Fingerprint { get; }

    private UserCa(X509Certificate2 ca)
    {
        Der = ca.RawData;
        Pem = ca.ExportCertificatePem() + "\n";
        Fingerprint = "sha256 Fingerprint=" + Convert.ToHexString(SHA256.HashData(Der)).Chunk(2).Select(pair => new string(pair)).Aggregate((a, b) => a + ":" + b);
    }

    /// <returns>null when the operator supplies the server certificate (or no CA was generated yet).</returns>
    public static UserCa? Load(MailActorsSettings settings)
    {
        if (!settings.Tls.Generated) return null;
        var file = new CertificateAuthority(ServerCertificate.TlsDir(settings)).CaFile;
        if (!File.Exists(file)) return null;
        using var ca = X509Certificate2.CreateFromPem(File.ReadAllText(file));
        return new UserCa(ca);
    }
}
