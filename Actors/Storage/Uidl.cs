using System.Security.Cryptography;

namespace MailActors.Storage;

/// <summary>RFC 1939 unique-ids: 0x21..0x7E, at most 70 characters; ours are 32 hex digits, never reused.</summary>
public static class Uidl
{
    public static string New() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>Whether a UIDL brought from another server can be served as it is (RFC 1939 §7).</summary>
    public static bool IsValid(string uidl) => uidl.Length is > 0 and <= 70 && uidl.All(ch => ch is >= '!' and <= '~');
}
