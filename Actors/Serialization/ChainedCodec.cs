using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using MailActors.Audit;

namespace MailActors.Serialization;

/// <summary>
/// The stored form of a <see cref="Chained"/> fact (docs/spec.md §8): <c>{"prev":…,"hash":…,"fact":{…}}</c> under the
/// fact's own manifest, with the fact's canonical bytes verbatim, so that the hash can be checked against exactly what is
/// stored. Used by Akka's serializer when a node writes, and by the auditor's reader, which reads the rows itself.
/// </summary>
public static class ChainedCodec
{
    private static readonly byte[] PrevField = "{\"prev\":\""u8.ToArray();
    private static readonly byte[] HashField = "\",\"hash\":\""u8.ToArray();
    private static readonly byte[] FactField = "\",\"fact\":"u8.ToArray();

    public static byte[] Encode(Chained c)
    {
        using var buffer = new MemoryStream(c.FactJson.Length + 180);
        buffer.Write(PrevField);
        buffer.Write(Encoding.ASCII.GetBytes(c.Prev));
        buffer.Write(HashField);
        buffer.Write(Encoding.ASCII.GetBytes(c.Hash));
        buffer.Write(FactField);
        buffer.Write(c.FactJson);
        buffer.WriteByte((byte)'}');
        return buffer.ToArray();
    }

    /// <summary>A stored row back: the chained fact, or (stored without a chain) the bare fact.</summary>
    /// <exception cref="JsonException">the bytes are not JSON, or not the fact's shape.</exception>
    /// <exception cref="System.Runtime.Serialization.SerializationException">the manifest is unknown.</exception>
    public static object Decode(string manifest, ReadOnlyMemory<byte> stored)
    {
        using var doc = JsonDocument.Parse(stored);
        if (!doc.RootElement.TryGetProperty("fact", out var fact)) return FactCodec.Decode(manifest, stored.Span);
        var factJson = JsonMarshal.GetRawUtf8Value(fact).ToArray();
        return new Chained(FactCodec.Decode(manifest, factJson), manifest, factJson,
            doc.RootElement.GetProperty("prev").GetString() ?? "", doc.RootElement.GetProperty("hash").GetString() ?? "");
    }
}
