using System.Runtime.Serialization;
using System.Text.Json;
using Akka.Actor;
using Akka.Serialization;
using MailActors.Grants;

namespace MailActors.Serialization;

/// <summary>
/// Persisted events and snapshots as JSON under stable, versioned manifests (never .NET type names),
/// so a journal written today is read by tomorrow's code and by auditors' tools. A changed shape gets a
/// new manifest (".v2"), and the old one stays readable.
/// </summary>
public sealed class MailActorsSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public override int Identifier => 4711;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    private static readonly Dictionary<string, Type> Types = new()
    {
        ["grant-issued.v1"] = typeof(GrantIssued),
        ["grant-renewed.v1"] = typeof(GrantRenewed),
        ["grant-expired.v1"] = typeof(GrantExpired),
        ["grant-revoked.v1"] = typeof(GrantRevoked),
        ["grant-ledger-snapshot.v1"] = typeof(GrantLedgerSnapshot),
    };

    private static readonly Dictionary<Type, string> Manifests = Types.ToDictionary(kv => kv.Value, kv => kv.Key);

    public override string Manifest(object o) =>
        Manifests.TryGetValue(o.GetType(), out var manifest)
            ? manifest
            : throw new ArgumentException($"{o.GetType()} has no manifest in {nameof(MailActorsSerializer)}");

    public override byte[] ToBinary(object obj) => JsonSerializer.SerializeToUtf8Bytes(obj, obj.GetType(), Json);

    public override object FromBinary(byte[] bytes, string manifest) =>
        Types.TryGetValue(manifest, out var type)
            ? JsonSerializer.Deserialize(bytes, type, Json)!
            : throw new SerializationException($"unknown manifest \"{manifest}\"");

    /// <summary>The kind name of an event (its manifest without the version), as the audit output shows it.</summary>
    public static string KindOf(object o) => Manifests.TryGetValue(o.GetType(), out var m) ? m[..m.LastIndexOf('.')] : o.GetType().Name;
}
