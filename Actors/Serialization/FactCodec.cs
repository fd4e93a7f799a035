using System.Runtime.Serialization;
using System.Text.Json;
using MailActors.Audit;
using MailActors.Grants;

namespace MailActors.Serialization;

/// <summary>
/// Persisted facts and snapshots as JSON (snake_case) under stable, versioned manifests — never .NET type
/// names — so a journal written today is read by tomorrow's code and by auditors' tools. A changed shape gets
/// a new manifest (".v2"), and the old one stays readable. The bytes are deterministic for a given value,
/// which the audit hash chain relies on.
/// </summary>
public static class FactCodec
{
    public static readonly JsonSerializerOptions Json = new()
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
        ["grant.v1"] = typeof(Grant), // the live grants replicated between nodes
        ["auth-succeeded.v1"] = typeof(AuthSucceeded),
        ["auth-failed.v1"] = typeof(AuthFailed),
        ["policy-refused.v1"] = typeof(PolicyRefused),
        ["relay-refused.v1"] = typeof(RelayRefused),
        ["relay-refused-repeated.v1"] = typeof(RelayRefusedRepeated),
        ["policy-refused-repeated.v1"] = typeof(PolicyRefusedRepeated),
        ["relay-accepted.v1"] = typeof(RelayAccepted),
        ["admin-changed.v1"] = typeof(AdminChanged),
        ["relay-delivered.v1"] = typeof(RelayDelivered),
        ["relay-bounced.v1"] = typeof(RelayBounced),
        ["local-delivered.v1"] = typeof(LocalDelivered),
        ["pop3-session.v1"] = typeof(Pop3Session),
        ["audit-stream-snapshot.v1"] = typeof(AuditStreamSnapshot),
        ["policy-changed.v1"] = typeof(Policy.PolicyChanged),
        ["live-policy.v1"] = typeof(Policy.LivePolicy), // the live policy replicated between nodes
        ["policy-enforced.v1"] = typeof(Policy.PolicyEnforced), // which version each node enforces
    };

    private static readonly Dictionary<Type, string> Manifests = Types.ToDictionary(kv => kv.Value, kv => kv.Key);

    public static bool Knows(string manifest) => Types.ContainsKey(manifest);

    public static string ManifestOf(object fact) =>
        Manifests.TryGetValue(fact.GetType(), out var manifest)
            ? manifest
            : throw new ArgumentException($"{fact.GetType()} has no manifest in {nameof(FactCodec)}");

    /// <summary>The manifests a fact type is stored under (one per version of its shape).</summary>
    public static IEnumerable<string> ManifestsOf(Type fact) => Types.Where(kv => kv.Value == fact).Select(kv => kv.Key);

    /// <summary>The fact types whose kind the predicate selects.</summary>
    public static IReadOnlyList<Type> TypesOf(Func<string, bool> kind) => Types.Where(t => kind(KindOf(t.Key))).Select(t => t.Value).Distinct().ToList();

    public static byte[] Encode(object fact) => JsonSerializer.SerializeToUtf8Bytes(fact, fact.GetType(), Json);

    public static object Decode(string manifest, ReadOnlySpan<byte> json) =>
        Types.TryGetValue(manifest, out var type)
            ? JsonSerializer.Deserialize(json, type, Json) ?? throw new SerializationException($"\"{manifest}\" is null")
            : throw new SerializationException($"unknown manifest \"{manifest}\"");

    /// <summary>The kind name of a fact (its manifest without the version), as the audit output shows it.</summary>
    public static string KindOf(object fact) => KindOf(ManifestOf(fact));

    public static string KindOf(string manifest) => manifest[..manifest.LastIndexOf('.')];
}
