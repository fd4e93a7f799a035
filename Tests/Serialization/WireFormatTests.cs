using System.Reflection;
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Configuration;
using MailActors.AuthFailures;
using MailActors.Grants;
using MailActors.Host.Configuration;
using MailActors.Mailboxes;
using MailActors.Policy;
using MailActors.Serialization;
using MailActors.Storage;

namespace MailActors.Tests.Serialization;

/// <summary>
/// What crosses nodes is ours and versioned (docs/spec.md §15): every protocol message is bound to MailActorsSerializer
/// in the shipped configuration, survives the trip with its value intact, and an unknown manifest is refused.
/// </summary>
public sealed class WireFormatTests : IDisposable
{
    // The shipped Akka configuration, on a remote provider so that actor references carry their node's address.
    private readonly ExtendedActorSystem _system = (ExtendedActorSystem)ActorSystem.Create("mailactors", ConfigurationFactory.ParseString("""
        akka.loglevel = OFF
        akka.actor.provider = remote
        akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0 }
        """).WithFallback(ConfigLoader.Embedded(ConfigLoader.AkkaResource)));

    public void Dispose() => _system.Terminate().Wait(TimeSpan.FromSeconds(10));

    /// <summary>Node-local protocols: their actors never talk across nodes (each node runs its own).</summary>
    private static readonly Type[] NodeLocal = [typeof(MailActors.Delivery.DeliveryProtocol), typeof(MailActors.Policy.PolicyProtocol)];

    private static IEnumerable<Type> ProtocolMessages() =>
        typeof(GrantLedgerProtocol).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: true, IsSealed: true } && t.Name.EndsWith("Protocol") && !NodeLocal.Contains(t))
            .SelectMany(t => t.GetNestedTypes(BindingFlags.Public))
            .Where(t => t is { IsClass: true, IsAbstract: false } && t.BaseType == typeof(object)); // messages, not helpers such as the shard extractor

    [Fact]
    public void Every_message_of_a_cluster_protocol_is_bound_to_our_serializer_with_a_versioned_manifest()
    {
        var messages = ProtocolMessages().ToList();
        Assert.Contains(typeof(MailboxProtocol.Acquire), messages); // the reflection finds what it should
        foreach (var type in messages.Append(typeof(Grant)))
        {
            var serializer = _system.Serialization.FindSerializerForType(type);
            Assert.True(serializer is MailActorsSerializer, $"{type.FullName} crosses nodes on {serializer.GetType().Name}, not MailActorsSerializer");
        }
        Assert.All(WireCodec.BoundTypes, type => Assert.Matches(@"^[a-z-]+\.[a-z-]+\.v\d+$", WireCodec.ManifestOf(Example(type))));
    }

    [Fact]
    public void Every_bound_message_survives_the_trip_with_its_value()
    {
        foreach (var message in WireCodec.BoundTypes.Select(Example))
        {
            var serializer = (MailActorsSerializer)_system.Serialization.FindSerializerFor(message);
            var manifest = serializer.Manifest(message);
            var bytes = serializer.ToBinary(message);
            var back = serializer.FromBinary(bytes, manifest);
            Assert.Equal(message.GetType(), back.GetType());
            // records compare by value; their collections by reference, so compare the encoded form again
            Assert.Equal(System.Text.Encoding.UTF8.GetString(bytes), System.Text.Encoding.UTF8.GetString(serializer.ToBinary(back)));
            Assert.DoesNotContain("MailActors.", System.Text.Encoding.UTF8.GetString(bytes)); // no .NET type names on the wire
        }
    }

    [Fact]
    public void An_actor_reference_arrives_as_the_same_actor()
    {
        var session = _system.ActorOf(Props.Empty, "session");
        var message = new MailboxProtocol.Acquire("alice", session);
        var serializer = (MailActorsSerializer)_system.Serialization.FindSerializerFor(message);

        var back = (MailboxProtocol.Acquire)serializer.FromBinary(serializer.ToBinary(message), serializer.Manifest(message));

        Assert.Equal(session, back.Session);
        Assert.Contains("akka.tcp://mailactors@127.0.0.1:", System.Text.Encoding.UTF8.GetString(serializer.ToBinary(message)));
    }

    [Fact]
    public void An_unknown_or_malformed_message_is_refused_not_guessed()
    {
        var serializer = (MailActorsSerializer)_system.Serialization.FindSerializerForType(typeof(GrantLedgerProtocol.Earn));
        var unknown = Assert.Throws<SerializationException>(() => serializer.FromBinary("{}"u8.ToArray(), "grant-ledger.earn.v99"));
        Assert.Contains("grant-ledger.earn.v99", unknown.Message);
        Assert.Throws<SerializationException>(() => serializer.FromBinary("{\"address\":"u8.ToArray(), "grant-ledger.earn.v1"));
        Assert.Throws<SerializationException>(() => serializer.FromBinary("{}"u8.ToArray(), "System.Object, mscorlib"));
    }

    private static readonly DateTime At = new(2026, 12, 5, 15, 0, 0, DateTimeKind.Utc);
    private static readonly Grant AGrant = new("192.0.2.7", "192.0.2.7", "alice", "pop3s", "USER", "akka.tcp://mailactors@10.0.0.1:4053", At, At.AddMinutes(5));

    /// <summary>One value of each bound type, with every field set.</summary>
    private static readonly LivePolicy APolicy =
        new(2, ["10.0.0.0/8", "192.0.2.0/24"], ["198.51.100.0/24"], [], TimeSpan.FromMinutes(5), 64, false, true);

    private object Example(Type type) => type.Name switch
    {
        _ when type == typeof(GrantLedgerProtocol.Earn) => new GrantLedgerProtocol.Earn("192.0.2.7", "alice", "pop3s", "USER", "node-1", At),
        _ when type == typeof(GrantLedgerProtocol.Earned) => new GrantLedgerProtocol.Earned(AGrant),
        _ when type == typeof(GrantLedgerProtocol.Check) => new GrantLedgerProtocol.Check("2001:db8::1"),
        _ when type == typeof(GrantLedgerProtocol.CheckResult) => new GrantLedgerProtocol.CheckResult(AGrant),
        _ when type == typeof(GrantLedgerProtocol.RevokeKey) => new GrantLedgerProtocol.RevokeKey("2001:db8::/64", "by an administrator"),
        _ when type == typeof(GrantLedgerProtocol.RevokeAccount) => new GrantLedgerProtocol.RevokeAccount("alice", "password changed"),
        _ when type == typeof(GrantLedgerProtocol.RevokeAddress) => new GrantLedgerProtocol.RevokeAddress("192.0.2.7", "blocked"),
        _ when type == typeof(GrantLedgerProtocol.Revoked) => new GrantLedgerProtocol.Revoked([AGrant, AGrant with { Key = "192.0.2.8" }]),
        _ when type == typeof(GrantLedgerProtocol.List) => GrantLedgerProtocol.List.Instance,
        _ when type == typeof(GrantLedgerProtocol.Live) => new GrantLedgerProtocol.Live([AGrant]),
        _ when type == typeof(AuthFailureProtocol.Reserve) => new AuthFailureProtocol.Reserve("192.0.2.7", "alice"),
        _ when type == typeof(AuthFailureProtocol.Reservation) => new AuthFailureProtocol.Reservation(42),
        _ when type == typeof(AuthFailureProtocol.Settle) => new AuthFailureProtocol.Settle(42, "192.0.2.7", "alice", AttemptResult.Failed),
        _ when type == typeof(AuthFailureProtocol.Settled) => new AuthFailureProtocol.Settled(TimeSpan.FromMilliseconds(2500), true, false),
        _ when type == typeof(MailboxProtocol.Acquire) => new MailboxProtocol.Acquire("alice", _system.DeadLetters),
        _ when type == typeof(MailboxProtocol.Acquired) => new MailboxProtocol.Acquired("alice", [new StoredMessageInfo(7, "uidl-7", 1234)]),
        _ when type == typeof(MailboxProtocol.InUse) => new MailboxProtocol.InUse("alice"),
        _ when type == typeof(MailboxProtocol.Unavailable) => new MailboxProtocol.Unavailable("alice", "storage down"),
        _ when type == typeof(MailboxProtocol.Release) => new MailboxProtocol.Release("alice", _system.DeadLetters),
        _ when type == typeof(MailboxProtocol.Commit) => new MailboxProtocol.Commit("alice", _system.DeadLetters, [7, 9]),
        _ when type == typeof(MailboxProtocol.Committed) => new MailboxProtocol.Committed("alice", true),
        _ when type == typeof(PolicyOwnerProtocol.Get) => PolicyOwnerProtocol.Get.Instance,
        _ when type == typeof(PolicyOwnerProtocol.Current) => new PolicyOwnerProtocol.Current(APolicy),
        _ when type == typeof(PolicyOwnerProtocol.Change) => new PolicyOwnerProtocol.Change(APolicy, "root", "node-1"),
        _ when type == typeof(PolicyOwnerProtocol.Changed) =>
            new PolicyOwnerProtocol.Changed(APolicy, [new PolicyChange("networks.internal", "[10.0.0.0/8]", "[10.0.0.0/8, 192.0.2.0/24]")]),
        _ when type == typeof(PolicyOwnerProtocol.Refused) => new PolicyOwnerProtocol.Refused(["mailactors.networks.internal: \"x\" is not a CIDR network"]),
        _ => throw new InvalidOperationException($"no example of {type}: add one"),
    };
}
