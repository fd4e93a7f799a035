using System.Runtime.Serialization;
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

    /// <summary>The serializer id the journal stores beside each row it wrote (its <c>identifier</c> column).</summary>
    public const int Id = 4711;

    public override int Identifier => Id;

    public override string Manifest(object o) =>
        o is Chained c ? c.Manifest : WireCodec.Knows(o.GetType()) ? WireCodec.ManifestOf(o) : FactCodec.ManifestOf(o);

    public override byte[] ToBinary(object obj)
    {
        if (WireCodec.Knows(obj.GetType())) return _wire.Encode(obj);
        return obj is Chained c ? ChainedCodec.Encode(c) : FactCodec.Encode(obj);
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        if (WireCodec.Knows(manifest)) return _wire.Decode(manifest, bytes);
        if (!FactCodec.Knows(manifest)) throw new SerializationException($"unknown manifest \"{manifest}\"");
        return ChainedCodec.Decode(manifest, bytes);
    }
}
