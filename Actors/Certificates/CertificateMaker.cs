using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MailActors.Files;

namespace MailActors.Certificates;

/// <summary>
/// Makes the roots and leaf certificates of MailActors' two CAs (the users' mail CA and the cluster CA), ECDSA P-256,
/// written as PEM with private keys 0600.
/// </summary>
public static class CertificateMaker
{
    public static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    public static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    /// <summary>A self-signed root, written to <paramref name="caFile"/> and <paramref name="caKeyFile"/>; returned with its key.</summary>
    public static X509Certificate2 CreateRoot(string subject, TimeSpan lifetime, string caFile, string caKeyFile, params X509Extension[] extra)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        foreach (var extension in extra) request.CertificateExtensions.Add(extension);
        var now = DateTimeOffset.UtcNow;
        using var ca = request.CreateSelfSigned(now.AddDays(-1), now + lifetime);
        PrivateFiles.Write(caKeyFile, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(caFile, ca.ExportCertificatePem() + "\n");
        return X509Certificate2.CreateFromPemFile(caFile, caKeyFile);
    }

    /// <summary>A leaf for these names (host names or IP addresses; the first is the subject's CN), signed by <paramref name="ca"/>.</summary>
    public static (X509Certificate2 Certificate, ECDsa Key) IssueLeaf(X509Certificate2 ca, IReadOnlyList<string> names, TimeSpan lifetime, params Oid[] usages)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={names[0]}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([.. usages], false));
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
        var notAfter = now + lifetime < ca.NotAfter ? now + lifetime : new DateTimeOffset(ca.NotAfter.ToUniversalTime());
        return (request.Create(ca, now.AddDays(-1), notAfter, serial), key);
    }

    /// <summary>Does <paramref name="certificate"/> chain to <paramref name="root"/> (and to nothing else), now?</summary>
    public static X509ChainStatusFlags ChainErrors(X509Certificate2 certificate, X509Certificate2 root) =>
        ChainErrors(certificate, new X509Certificate2Collection(root));

    /// <summary>Does <paramref name="certificate"/> chain to one of <paramref name="roots"/> (and to nothing else), now?</summary>
    public static X509ChainStatusFlags ChainErrors(X509Certificate2 certificate, X509Certificate2Collection roots)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain.Build(certificate)) return X509ChainStatusFlags.NoError;
        return chain.ChainStatus.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status) is var flags && flags != X509ChainStatusFlags.NoError
            ? flags
            : X509ChainStatusFlags.PartialChain;
    }
}
