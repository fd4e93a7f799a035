using System.Security.Cryptography;
using System.Text;

namespace MailActors.Accounts;

/// <summary>
/// APOP needs the secret itself, so it is stored encrypted (AES-256-GCM) with a key kept outside the
/// database, in a file created on first use with mode 0600 (docs/spec.md §4, 9). Sealed form: nonce | tag | ciphertext.
/// </summary>
public sealed class ApopSecretCipher
{
    private const int NonceBytes = 12, TagBytes = 16, KeyBytes = 32;
    private readonly byte[] _key;

    private ApopSecretCipher(byte[] key) => _key = key;

    public static ApopSecretCipher LoadOrCreate(string keyFile)
    {
        if (File.Exists(keyFile))
        {
            var key = File.ReadAllBytes(keyFile);
            return key.Length == KeyBytes
                ? new ApopSecretCipher(key)
                : throw new Configuration.ConfigurationError($"{keyFile}: not an APOP key ({key.Length} bytes, expected {KeyBytes})");
        }
        var fresh = RandomNumberGenerator.GetBytes(KeyBytes);
        Files.PrivateFiles.Write(keyFile, fresh);
        return new ApopSecretCipher(fresh);
    }

    public byte[] Seal(string secret)
    {
        var plain = Encoding.UTF8.GetBytes(secret);
        var sealedBytes = new byte[NonceBytes + TagBytes + plain.Length];
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagBytes);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceBytes + TagBytes), sealedBytes.AsSpan(NonceBytes, TagBytes));
        return sealedBytes;
    }

    /// <returns>null when the sealed value was not made with this key.</returns>
    public string? Open(byte[] sealedBytes)
    {
        if (sealedBytes.Length < NonceBytes + TagBytes) return null;
        var plain = new byte[sealedBytes.Length - NonceBytes - TagBytes];
        try
        {
            using var aes = new AesGcm(_key, TagBytes);
            aes.Decrypt(sealedBytes.AsSpan(0, NonceBytes), sealedBytes.AsSpan(NonceBytes + TagBytes),
                sealedBytes.AsSpan(NonceBytes, TagBytes), plain);
            return Encoding.UTF8.GetString(plain);
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }
}
