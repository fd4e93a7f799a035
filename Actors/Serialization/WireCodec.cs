using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;
using MailActors.AuthFailures;
using MailActors.Grants;
using MailActors.Mailboxes;
using MailActors.Policy;

namespace MailActors.Serialization;

/// <summary>
/// The messages that cross nodes (docs/spec.md §15): JSON (snake_case) under stable, versioned manifests, never .NET type
/// names and no type-name handling. A changed shape gets a new manifest (".v2") and the old one stays readable for one
/// version, so adjacent versions can run side by side during a rolling upgrade. Actor references travel as their full
/// path and are resolved on arrival.
/// </summary>
public sealed class WireCodec
{
    private static readonly Dictionary<string, Type> Types = new()
    {
        ["grant-ledger.earn.v1"] = typeof(GrantLedgerProtocol.Earn),
        ["grant-ledger.earned.v1"] = typeof(GrantLedgerProtocol.Earned),
        ["grant-ledger.check.v1"] = typeof(GrantLedgerProtocol.Check),
        ["grant-ledger.check-result.v1"] = typeof(GrantLedgerProtocol.CheckResult),
        ["grant-ledger.revoke-key.v1"] = typeof(GrantLedgerProtocol.RevokeKey),
        ["grant-ledger.revoke-account.v1"] = typeof(GrantLedgerProtocol.RevokeAccount),
        ["grant-ledger.revoke-address.v1"] = typeof(GrantLedgerProtocol.RevokeAddress),
        ["grant-ledger.revoked.v1"] = typeof(GrantLedgerProtocol.Revoked),
        ["grant-ledger.list.v1"] = typeof(GrantLedgerProtocol.List),
        ["grant-ledger.live.v1"] = typeof(GrantLedgerProtocol.Live),
        ["auth-failures.reserve.v1"] = typeof(AuthFailureProtocol.Reserve),
        ["auth-failures.reservation.v1"] = typeof(AuthFailureProtocol.Reservation),
        ["auth-failures.settle.v1"] = typeof(AuthFailureProtocol.Settle),
        ["auth-failures.settled.v1"] = typeof(AuthFailureProtocol.Settled),
        ["mailbox.acquire.v1"] = typeof(MailboxProtocol.Acquire),
        ["mailbox.acquired.v1"] = typeof(MailboxProtocol.Acquired),
        ["mailbox.in-use.v1"] = typeof(MailboxProtocol.InUse),
        ["mailbox.unavailable.v1"] = typeof(MailboxProtocol.Unavailable),
        ["mailbox.release.v1"] = typeof(MailboxProtocol.Release),
        ["mailbox.commit.v1"] = typeof(MailboxProtocol.Commit),
        ["mailbox.committed.v1"] = typeof(MailboxProtocol.Committed),
        ["policy.get.v1"] = typeof(PolicyOwnerProtocol.Get),
        ["policy.current.v1"] = typeof(PolicyOwnerProtocol.Current),
        ["policy.change.v1"] = typeof(PolicyOwnerProtocol.Change),
        ["policy.changed.v1"] = typeof(PolicyOwnerProtocol.Changed),
        ["policy.refused.v1"] = typeof(PolicyOwnerProtocol.Refused),
    };

    private static readonly Dictionary<Type, string> Manifests = Types.ToDictionary(kv => kv.Value, kv => kv.Key);

    /// <summary>Every type that crosses nodes under this codec (for the configuration's bindings and their test).</summary>
    public static IReadOnlyCollection<Type> BoundTypes => Manifests.Keys;

    private readonly JsonSerializerOptions _json;

    public WireCodec(ExtendedActorSystem system) =>
        _json = new JsonSerializerOptions(FactCodec.Json) { Converters = { new ActorRefConverter(system) } };

    public static bool Knows(string manifest) => Types.ContainsKey(manifest);

    public static bool Knows(Type type) => Manifests.ContainsKey(type);

    public static string ManifestOf(object message) =>
        Manifests.TryGetValue(message.GetType(), out var manifest)
            ? manifest
            : throw new ArgumentException($"{message.GetType()} has no manifest in {nameof(WireCodec)}");

    public byte[] Encode(object message) => JsonSerializer.SerializeToUtf8Bytes(message, message.GetType(), _json);

    public object Decode(string manifest, ReadOnlySpan<byte> json)
    {
        if (!Types.TryGetValue(manifest, out var type)) throw new SerializationException($"unknown manifest \"{manifest}\"");
        if (type == typeof(GrantLedgerProtocol.List)) return GrantLedgerProtocol.List.Instance;
        if (type == typeof(PolicyOwnerProtocol.Get)) return PolicyOwnerProtocol.Get.Instance;
        try
        {
            return JsonSerializer.Deserialize(json, type, _json) ?? throw new SerializationException($"\"{manifest}\" is null");
        }
        catch (JsonException e)
        {
            throw new SerializationException($"\"{manifest}\": malformed ({e.Message})");
        }
    }

    /// <summary>An actor reference as its serialized path (with the node's address), resolved by the receiving system.</summary>
    private sealed class ActorRefConverter(ExtendedActorSystem system) : JsonConverter<IActorRef>
    {
        public override IActorRef Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.GetString() is { Length: > 0 } path ? system.Provider.ResolveActorRef(path) : ActorRefs.Nobody;

        public override void Write(Utf8JsonWriter writer, IActorRef value, JsonSerializerOptions options) =>
            writer.WriteStringValue(Akka.Serialization.Serialization.SerializedActorPath(value));
    }
}
