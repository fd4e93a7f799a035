using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MailActors.Certificates;

/// <summary>
/// The server's own root CA and a server certificate it signs, as PEM under <c>data-dir/tls</c>.
/// Users install <see cref="CaFile"/> so their clients stop warning. ECDSA P-256: fast TLS handshakes.
/// </summary>
public sealed class CertificateAuthority(string tlsDir)
{
    public string CaFile => Path.Combine(tlsDir, "ca.pem");
    public string CaKeyFile => Path.Combine(tlsDir, "ca-key.pem");
    public string ServerCertificateFile => Path.Combine(tlsDir, "server.pem");
    public string ServerKeyFile => Path.Combine(tlsDir, "server-key.pem");

    public bool ServerCertificateExists => File.Exists(ServerCertificateFile) && File.Exists(ServerKeyFile);

    /// <summary>Creates the CA if there is none, then (re)issues the server certificate for these names.</summary>
    public void Issue(IEnumerable<string> hosts)
    {
        Directory.CreateDirectory(tlsDir);
        using var ca = File.Exists(CaFile) && File.Exists(CaKeyFile)
            ? X509Certificate2.CreateFromPemFile(CaFile, CaKeyFile)
            : CreateCa();

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var names = hosts.Append("localhost").Append("127.0.0.1").Append("::1").Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var request = new CertificateRequest($"CN={names[0]}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            if (IPAddress.TryParse(name, out var ip)) san.AddIpAddress(ip);
            else san.AddDnsName(name);
        }
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        var now = DateTimeOffset.UtcNow;
        using var server = request.Create(ca, now.AddDays(-1), now.AddDays(825), serial);
        WritePrivate(ServerKeyFile, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(ServerCertificateFile, server.ExportCertificatePem() + "\n" + ca.ExportCertificatePem() + "\n");
    }

    private X509Certificate2 CreateCa()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=MailActors Root CA, O=MailActors", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        using var ca = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(10));
        WritePrivate(CaKeyFile, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(CaFile, ca.ExportCertificatePem() + "\n");
        return X509Certificate2.CreateFromPemFile(CaFile, CaKeyFile);
    }

    private static void WritePrivate(string path, string pem)
    {
        File.Delete(path);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using var writer = new StreamWriter(new FileStream(path, options));
        writer.Write(pem);
    }

    /// <summary>Loads a PEM certificate (chain) and key for serving TLS.</summary>
    public static X509Certificate2 LoadServerCertificate(string certificateFile, string keyFile)
    {
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
            // Re-import so the private key is usable by SslStream on every platform.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is IOException or CryptographicException or UnauthorizedAccessException or ArgumentException)
        {
            throw new Configuration.ConfigurationError($"mailactors.tls: cannot load certificate {certificateFile} with key {keyFile}: {e.Message}");
        }
    }
}
