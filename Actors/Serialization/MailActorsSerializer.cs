using System.Runtime.Serialization;
using System.Text;
using System.Text.Json;
using Akka.Actor;
using Akka.Serialization;
using MailActors.Audit;

namespace MailActors.Serialization;

/// <summary>
/// Akka's serializer for what MailActors persists and what crosses nodes: a <see cref="Chained"/> fact is stored under the
/// fact's own manifest as <c>{"prev":…,"hash":…,"fact":{…}}</c> with the fact's canonical bytes verbatim; a snapshot as its
/// plain JSON; a cluster message (<see cref="WireCodec"/>) under its wire manifest. An unknown manifest is refused with a
/// <see cref="SerializationException"/>: remoting logs it and drops that message (docs/spec.md §15).
/// </summary>
public sealed class MailActorsSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    private readonly WireCodec _wire = new(system);

    public override int Identifier => 4711;

    private static readonly byte[] PrevField = "{\"prev\":\""u8.ToArray();
    private static readonly byte[] HashField = "\",\"hash\":\""u8.ToArray();
    private static readonly byte[] FactField = "\",\"fact\":"u8.ToArray();

    public override string Manifest(object o) =>
        o is Chained c ? c.Manifest : WireCodec.Knows(o.GetType()) ? WireCodec.ManifestOf(o) : FactCodec.ManifestOf(o);

    public override byte[] ToBinary(object obj)
    {
        if (WireCodec.Knows(obj.GetType())) return _wire.Encode(obj);
        if (obj is not Chained c) return FactCodec.Encode(obj);
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

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (WireCodec.Knows(manifest)) return _wire.Decode(manifest, bytes);
        if (!FactCodec.Knows(manifest)) throw new SerializationException($"unknown manifest \"{manifest}\"");
        using var doc = JsonDocument.Parse(bytes);
        if (!doc.RootElement.TryGetProperty("fact", out var fact)) return FactCodec.Decode(manifest, bytes);
        var factJson = Encoding.UTF8.GetBytes(fact.GetRawText());
        return new Chained(FactCodec.Decode(manifest, factJson), manifest, factJson,
            doc.RootElement.GetProperty("prev").GetString() ?? "", doc.RootElement.GetProperty("hash").GetString() ?? "");
    }
}
