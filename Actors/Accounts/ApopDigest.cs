using System.Security.Cryptography;
using System.Text;

namespace MailActors.Accounts;

/// <summary>RFC 1939 APOP: MD5 over the greeting's timestamp followed by the shared secret, in lower-case hex.</summary>
public static class ApopDigest
{
    public static string Compute(string timestamp, string secret) =>
        Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(timestamp + secret)));

    public static bool Matches(string timestamp, string secret, string digest) =>
        CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(Compute(timestamp, secret)),
            Encoding.ASCII.GetBytes(digest.ToLowerInvariant()));
}
