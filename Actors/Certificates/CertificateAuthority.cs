using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MailActors.Files;

namespace MailActors.Certificates;

/// <summary>
/// The users' mail CA and the server certificate it signs, as PEM under <c>data-dir/tls</c>. Users install
/// <see cref="CaFile"/> so their clients stop warning, so the CA is name-constrained (docs/spec.md §15) to the server's
/// names and the local domains: its key can never mint a certificate for another site in those users' browsers. A
/// running node needs only ca.pem, server.pem and server-key.pem; ca-key.pem belongs offline.
/// </summary>
public sealed class CertificateAuthority(string tlsDir)
{
    public static readonly TimeSpan CaLifetime = TimeSpan.FromDays(5 * 365);
    public static readonly TimeSpan ServerLifetime = TimeSpan.FromDays(825);

    public string CaFile => Path.Combine(tlsDir, "ca.pem");
    public string CaKeyFile => Path.Combine(tlsDir, "ca-key.pem");
    public string ServerCertificateFile => Path.Combine(tlsDir, "server.pem");
    public string ServerKeyFile => Path.Combine(tlsDir, "server-key.pem");

    public bool ServerCertificateExists => File.Exists(ServerCertificateFile) && File.Exists(ServerKeyFile);

    /// <summary>The names the server certificate carries: the configured ones, localhost and the loopback addresses.</summary>
    public static IReadOnlyList<string> ServerNames(IEnumerable<string> hosts) =>
        hosts.Append("localhost").Append("127.0.0.1").Append("::1").Distinct(StringComparer.OrdinalIgnoreCase).ToList();

    /// <summary>
    /// Creates the CA if there is none (constrained to these names and <paramref name="localDomains"/>), then (re)issues the
    /// server certificate. A CA made earlier for other names refuses with a line saying how to make a new one.
    /// </summary>
    public void Issue(IEnumerable<string> hosts, IEnumerable<string> localDomains)
    {
        PrivateFiles.CreateDirectory(tlsDir);
        var names = ServerNames(hosts);
        if (File.Exists(CaFile) && !File.Exists(CaKeyFile))
            throw new Configuration.ConfigurationError(
                $"{CaKeyFile}: not here (kept offline?): bring it back to issue a server certificate, or move {CaFile} away to create a new CA");
        using var ca = File.Exists(CaFile)
            ? X509Certificate2.CreateFromPemFile(CaFile, CaKeyFile)
            : CertificateMaker.CreateRoot("CN=MailActors Root CA, O=MailActors", CaLifetime, CaFile, CaKeyFile,
                NameConstraints.Permit(names, localDomains));

        var (server, key) = CertificateMaker.IssueLeaf(ca, names, ServerLifetime, CertificateMaker.ServerAuth);
        using (server)
        using (key)
        {
            if (CertificateMaker.ChainErrors(server, ca) is var errors && errors != X509ChainStatusFlags.NoError)
                throw new Configuration.ConfigurationError(
                    $"{CaFile}: this CA may not sign for {string.Join(", ", names)} ({errors}); it was made for other names. " +
                    $"To make a new CA, move {CaFile} and {CaKeyFile} away and run ca init again (users then install the new ca.pem)");
            PrivateFiles.Write(ServerKeyFile, key.ExportPkcs8PrivateKeyPem());
            File.WriteAllText(ServerCertificateFile, server.ExportCertificatePem() + "\n" + ca.ExportCertificatePem() + "\n");
        }
    }

    /// <summary>Loads a PEM certificate (chain) and key for serving TLS.</summary>
    public static X509Certificate2 LoadServerCertificate(string certificateFile, string keyFile) =>
        LoadWithKey(certificateFile, keyFile, "mailactors.tls");

    /// <summary>A PEM certificate and its key, usable by SslStream; a missing or unreadable file is one line naming it.</summary>
    public static X509Certificate2 LoadWithKey(string certificateFile, string keyFile, string key)
    {
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
            // Re-import so the private key is usable by SslStream on every platform.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is IOException or CryptographicException or UnauthorizedAccessException or ArgumentException)
        {
            throw new Configuration.ConfigurationError($"{key}: cannot load certificate {certificateFile} with key {keyFile}: {e.Message}");
        }
    }
}
