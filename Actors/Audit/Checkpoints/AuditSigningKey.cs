using System.Security.Cryptography;

namespace MailActors.Audit;

/// <summary>
/// A node's audit key (docs/spec.md §8): ECDSA P-256 in <c>data-dir/keys/audit-signing.pem</c> (PKCS#8, mode 0600),
/// created at first start. Its public half is what <c>mailactors audit key</c> prints and what checkpoints name.
/// </summary>
public static class AuditSigningKey
{
    public static ECDsa LoadOrCreate(string path)
    {
        var key = ECDsa.Create();
        if (File.Exists(path))
        {
            try
            {
                key.ImportFromPem(File.ReadAllText(path));
            }
            catch (Exception e) when (e is ArgumentException or CryptographicException)
            {
                throw new Configuration.ConfigurationError($"{path}: not an ECDSA private key in PEM ({e.Message})");
            }
            if (key.KeySize != 256) throw new Configuration.ConfigurationError($"{path}: an ECDSA P-256 key is needed, this one has {key.KeySize} bits");
            return key;
        }
        key.GenerateKey(ECCurve.NamedCurves.nistP256);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var writer = new StreamWriter(new FileStream(path, options))) writer.Write(key.ExportPkcs8PrivateKeyPem());
        return key;
    }

    /// <summary>The public key as checkpoints carry it: base64 DER SubjectPublicKeyInfo.</summary>
    public static string PublicKeyBase64(ECDsa key) => Convert.ToBase64String(key.ExportSubjectPublicKeyInfo());

    public static string PublicKeyPem(ECDsa key) => key.ExportSubjectPublicKeyInfoPem();
}
