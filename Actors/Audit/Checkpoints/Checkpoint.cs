using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace MailActors.Audit;

/// <summary>
/// A signed statement of how far a node's audit streams went (docs/spec.md §8), one JSON line:
/// <c>{"checkpoint":{"time","node","key","streams":[{"stream","seq","hash","count"}]},"sig":"…"}</c>. <c>key</c> is the
/// signer's public key (base64 DER SubjectPublicKeyInfo); <c>sig</c> the base64 DER ECDSA P-256/SHA-256 signature over
/// the exact UTF-8 bytes of the <c>checkpoint</c> member as written, so <c>openssl dgst -sha256 -verify</c> checks it.
/// </summary>
public sealed record Checkpoint(DateTime Time, string Node, string Key, IReadOnlyList<StreamHead> Streams)
{
    /// <summary>The line to append: the member's bytes, then the signature over exactly those bytes.</summary>
    public static string Sign(DateTime time, string node, IReadOnlyList<StreamHead> streams, ECDsa key)
    {
        var member = Member(new Checkpoint(time, node, AuditSigningKey.PublicKeyBase64(key), streams));
        var sig = key.SignData(member, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        return $"{{\"checkpoint\":{Encoding.UTF8.GetString(member)},\"sig\":\"{Convert.ToBase64String(sig)}\"}}";
    }

    private static byte[] Member(Checkpoint c)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("time", c.Time.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
            w.WriteString("node", c.Node);
            w.WriteString("key", c.Key);
            w.WriteStartArray("streams");
            foreach (var s in c.Streams)
            {
                w.WriteStartObject();
                w.WriteString("stream", s.Stream);
                w.WriteNumber("seq", s.Seq);
                w.WriteString("hash", s.Hash);
                w.WriteNumber("count", s.Count);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }
}

/// <summary>A checkpoint line as read back: what it says, and whether its signature holds for the key it names.</summary>
public sealed record SignedCheckpoint(int Line, Checkpoint Checkpoint, bool SignatureHolds)
{
    public string Describe() => $"the checkpoint of {Checkpoint.Time.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture)} by {Checkpoint.Node}";

    /// <summary>Reads one line; null with <paramref name="error"/> when it is not a checkpoint at all.</summary>
    public static SignedCheckpoint? Parse(int line, string text, out string? error)
    {
        error = null;
        try
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            var member = MemberBytes(bytes);
            using var doc = JsonDocument.Parse(bytes);
            var root = doc.RootElement;
            var c = root.GetProperty("checkpoint");
            var checkpoint = new Checkpoint(
                DateTime.Parse(c.GetProperty("time").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
                c.GetProperty("node").GetString()!,
                c.GetProperty("key").GetString()!,
                c.GetProperty("streams").EnumerateArray().Select(s => new StreamHead(
                    s.GetProperty("stream").GetString()!, s.GetProperty("seq").GetInt64(), s.GetProperty("hash").GetString()!,
                    s.GetProperty("count").GetInt64())).ToList());
            return new SignedCheckpoint(line, checkpoint, Holds(checkpoint.Key, member, root.GetProperty("sig").GetString()!));
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            error = e.Message.Split('\n')[0];
            return null;
        }
    }

    private static bool Holds(string key, byte[] member, string sig)
    {
        try
        {
            using var ecdsa = ECDsa.Create();
            ecdsa.ImportSubjectPublicKeyInfo(Convert.FromBase64String(key), out _);
            return ecdsa.VerifyData(member, Convert.FromBase64String(sig), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (Exception e) when (e is CryptographicException or FormatException)
        {
            return false;
        }
    }

    /// <summary>The <c>checkpoint</c> member's value exactly as it stands in the line: what the signature covers.</summary>
    private static byte[] MemberBytes(byte[] line)
    {
        var reader = new Utf8JsonReader(line);
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject) throw new FormatException("not a JSON object");
        while (reader.Read() && reader.CurrentDepth >= 1)
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("checkpoint"))
            {
                reader.Read();
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                return line[start..(int)reader.BytesConsumed];
            }
            if (reader.TokenType == JsonTokenType.PropertyName) { reader.Read(); reader.Skip(); }
        }
        throw new FormatException("no \"checkpoint\" member");
    }
}
