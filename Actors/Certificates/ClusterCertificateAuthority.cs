using System.Security.Cryptography.X509Certificates;
using MailActors.Files;

namespace MailActors.Certificates;

/// <summary>
/// The cluster fabric's own CA (docs/spec.md §15), kept apart from the users' mail CA: it signs one certificate per node
/// host, good for both ends of a TLS connection, and the nodes trust no other issuer for remoting.
/// </summary>
public sealed class ClusterCertificateAuthority(string dir)
{
    public static readonly TimeSpan CaLifetime = TimeSpan.FromDays(10 * 365);
    public static readonly TimeSpan NodeLifetime = TimeSpan.FromDays(825);
    public const string NodeCertificateName = "node.pem";
    public const string NodeKeyName = "node-key.pem";

    public string CaFile => Path.Combine(dir, "ca.pem");
    public string CaKeyFile => Path.Combine(dir, "ca-key.pem");

    /// <returns>false when the CA already existed (it is never replaced: that would cut every node off).</returns>
    public bool Init()
    {
        if (File.Exists(CaFile) || File.Exists(CaKeyFile)) return false;
        PrivateFiles.CreateDirectory(dir);
        using var ca = CertificateMaker.CreateRoot("CN=MailActors Cluster CA, O=MailActors", CaLifetime, CaFile, CaKeyFile);
        return true;
    }

    /// <summary>Writes node.pem, node-key.pem and a copy of ca.pem for <paramref name="host"/> to <paramref name="outDir"/>.</summary>
    public void Issue(string host, string outDir)
    {
        if (!File.Exists(CaFile) || !File.Exists(CaKeyFile))
            throw new Configuration.ConfigurationError($"{CaKeyFile}: no cluster CA here; run `mailactors ca cluster init` first (or bring the CA key back)");
        using var ca = X509Certificate2.CreateFromPemFile(CaFile, CaKeyFile);
        var (node, key) = CertificateMaker.IssueLeaf(ca, [host], NodeLifetime, CertificateMaker.ServerAuth, CertificateMaker.ClientAuth);
        using (node)
        using (key)
        {
            PrivateFiles.CreateDirectory(outDir);
            PrivateFiles.Write(Path.Combine(outDir, NodeKeyName), key.ExportPkcs8PrivateKeyPem());
            File.WriteAllText(Path.Combine(outDir, NodeCertificateName), node.ExportCertificatePem() + "\n");
            var caCopy = Path.Combine(outDir, "ca.pem");
            if (Path.GetFullPath(caCopy) != Path.GetFullPath(CaFile)) File.Copy(CaFile, caCopy, overwrite: true);
        }
    }
}
