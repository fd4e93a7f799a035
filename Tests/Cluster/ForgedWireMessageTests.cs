using System.Net;
using System.Text;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Configuration;
using Akka.Serialization;
using MailActors.Configuration;
using MailActors.Host.Server;
using MailActors.Tests.Support;

namespace MailActors.Tests.Cluster;

/// <summary>
/// docs/spec.md §15: "a message of an unknown manifest is dropped and logged". A peer holding a certificate from the
/// cluster CA (a node's own, so its TLS association is accepted) sends, over one live association, frames a node cannot
/// read: an unknown manifest of our serializer, a known manifest with a corrupt or ill-shaped payload, a serializer id
/// nobody registered. Each is dropped with a warning; the association answers the next message, and the cluster keeps
/// serving: a grant earned afterwards through one node is honoured through another.
/// </summary>
public sealed partial class ClusterTests
{
    [Fact]
    public async Task Forged_frames_over_a_live_association_are_dropped_and_logged_and_the_cluster_keeps_serving()
    {
        var seed = Node(1);
        var before = seed.Log.Length;
        using var forger = ForgerSystem();
        var ledger = forger.ActorSelection($"{seed.Address}/user/grant-ledger");
        Assert.NotNull(await IdentifyAsync(ledger)); // the association is up, through mutual TLS

        ledger.Tell(new Forged("grant-ledger.earn.v9", "{\"account\":\"mallory\"}"));
        ledger.Tell(new Forged("grant-ledger.earn.v1", "{\"account\":\"mallory\", not json"));
        ledger.Tell(new Forged("grant-ledger.earn.v1", "[1, 2, 3]"));
        ledger.Tell(new Unregistered("{}"));

        await Eventually.AssertAsync(() => Task.FromResult(Dropped(seed.Log[before..]) >= 4),
            "the seed logs each forged frame as dropped", Patience);
        Assert.NotNull(await IdentifyAsync(ledger)); // the same association still carries messages
        var log = seed.Log[before..];
        Assert.Contains("grant-ledger.earn.v9", log); // the warning names what was dropped
        Assert.Contains("31337", log);
        Assert.DoesNotContain("Quarantin", log, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Disassociated", log);
        Assert.DoesNotContain("Unhandled", log);

        var from = IPAddress.Parse("127.0.0.9");
        Assert.StartsWith("554 5.7.1", await ClusterClients.RelayReplyAsync(Node(3), from)); // nothing forged reached the ledger
        await ClusterClients.PopLoginAsync(Cluster, Node(1), from, "alice", "alice-pw");
        Assert.StartsWith("250", await ClusterClients.RelayReplyAsync(Node(2), from));
        Assert.All(Cluster.Nodes, node => Assert.True(node.Running, node.Log));
    }

    private static int Dropped(string log) => log.Split('\n').Count(line =>
        line.Contains("association remains live", StringComparison.OrdinalIgnoreCase) ||
        line.Contains("unknown manifest", StringComparison.OrdinalIgnoreCase) ||
        line.Contains("Cannot find serializer", StringComparison.OrdinalIgnoreCase));

    private static async Task<IActorRef?> IdentifyAsync(ActorSelection selection) =>
        (await selection.Ask<ActorIdentity>(new Identify(1), TimeSpan.FromSeconds(30))).Subject;

    /// <summary>A remoting peer (not a cluster member) with this cluster's node certificate and the forging serializers.</summary>
    private ActorSystem ForgerSystem()
    {
        var tls = Path.Combine(Cluster.Dir, "data", "tls", "cluster");
        var fabric = ClusterFabric.Setup(new ClusterTlsSettings(true, Path.Combine(tls, "ca.pem"), Path.Combine(tls, "node.pem"),
            Path.Combine(tls, "node-key.pem")));
        var config = ConfigurationFactory.ParseString($$"""
            akka.loglevel = WARNING
            akka.actor.provider = remote
            akka.remote.dot-netty.tcp { hostname = "127.0.0.1", port = 0, enable-ssl = true }
            akka.actor.serializers {
              forging = "{{typeof(ForgingSerializer).AssemblyQualifiedName}}"
              unknown = "{{typeof(UnknownSerializer).AssemblyQualifiedName}}"
            }
            akka.actor.serialization-bindings {
              "{{typeof(Forged).AssemblyQualifiedName}}" = forging
              "{{typeof(Unregistered).AssemblyQualifiedName}}" = unknown
            }
            """);
        return ActorSystem.Create("forger", BootstrapSetup.Create().WithConfig(config).And(fabric));
    }
}

/// <summary>A frame under MailActors' serializer id with the forger's manifest and bytes.</summary>
public sealed record Forged(string Manifest, string Payload);

/// <summary>A frame under a serializer id no node has.</summary>
public sealed record Unregistered(string Payload);

/// <summary>Writes a <see cref="Forged"/> as MailActorsSerializer would, but with the forger's manifest and bytes.</summary>
public sealed class ForgingSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public const int Id = 4711; // MailActorsSerializer's

    public override int Identifier => Id;

    public override string Manifest(object o) => ((Forged)o).Manifest;

    public override byte[] ToBinary(object obj) => Encoding.UTF8.GetBytes(((Forged)obj).Payload);

    public override object FromBinary(byte[] bytes, string manifest) => throw new NotSupportedException("the forger only writes");
}

/// <summary>Writes an <see cref="Unregistered"/> under a serializer id no node has.</summary>
public sealed class UnknownSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    public override int Identifier => 31337;

    public override string Manifest(object o) => "forged";

    public override byte[] ToBinary(object obj) => Encoding.UTF8.GetBytes(((Unregistered)obj).Payload);

    public override object FromBinary(byte[] bytes, string manifest) => throw new NotSupportedException("the forger only writes");
}
