using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Akka.Configuration;
using Akka.Event;
using MailActors.Certificates;
using MailActors.Configuration;
using MailActors.Host.Server;

namespace MailActors.Tests.Cluster;

/// <summary>How a node is set up for remoting over mutual TLS (docs/spec.md §15), without starting one.</summary>
public sealed class ClusterFabricSetupTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mailactors-fabric-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (ClusterTlsSettings Settings, X509Certificate2 Node) MakeCa(string name)
    {
        var dir = Path.Combine(_dir, name);
        var ca = new ClusterCertificateAuthority(dir);
        Assert.True(ca.Init());
        Assert.False(ca.Init()); // never replaced
        ca.Issue("127.0.0.1", dir);
        var settings = new ClusterTlsSettings(true, ca.CaFile, Path.Combine(dir, "node.pem"), Path.Combine(dir, "node-key.pem"));
        return (settings, CertificateAuthority.LoadWithKey(settings.Certificate, settings.Key, "test"));
    }

    private static bool Accepts(X509Certificate2Collection ca, X509Certificate2? peer) =>
        ClusterFabric.IssuedBy(ca)(peer, null, "peer", SslPolicyErrors.RemoteCertificateChainErrors, NoLogger.Instance);

    private static X509Certificate2Collection Trusted(params string[] files)
    {
        var all = new X509Certificate2Collection();
        foreach (var file in files) all.ImportFromPemFile(file);
        return all;
    }

    [Fact]
    public void A_peer_is_accepted_only_with_a_certificate_from_the_cluster_ca()
    {
        var (ours, ourNode) = MakeCa("ours");
        var (_, theirNode) = MakeCa("theirs");

        Assert.True(Accepts(Trusted(ours.Ca), ourNode));
        Assert.False(Accepts(Trusted(ours.Ca), theirNode));
        Assert.False(Accepts(Trusted(ours.Ca), null));
    }

    [Fact]
    public void During_a_ca_rotation_both_cas_in_the_file_are_trusted()
    {
        var (old, oldNode) = MakeCa("old");
        var (@new, newNode) = MakeCa("new");
        var (_, strangerNode) = MakeCa("stranger");
        var both = Path.Combine(_dir, "both.pem");
        File.WriteAllText(both, File.ReadAllText(old.Ca) + File.ReadAllText(@new.Ca));

        Assert.True(Accepts(Trusted(both), oldNode));
        Assert.True(Accepts(Trusted(both), newNode));
        Assert.False(Accepts(Trusted(both), strangerNode));
        Assert.NotNull(ClusterFabric.Setup(old with { Ca = both }));
    }

    [Fact]
    public void A_missing_file_stops_start_up_with_one_line_naming_its_key()
    {
        var (settings, _) = MakeCa("ours");
        var missing = Path.Combine(_dir, "nowhere", "node-key.pem");
        var error = Assert.Throws<ConfigurationError>(() => ClusterFabric.Setup(settings with { Key = missing }));
        Assert.StartsWith($"mailactors.cluster.tls.key: {missing} does not exist", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void A_node_certificate_from_another_ca_than_the_configured_one_is_refused_at_start()
    {
        var (ours, _) = MakeCa("ours");
        var (theirs, _) = MakeCa("theirs");
        var error = Assert.Throws<ConfigurationError>(() => ClusterFabric.Setup(ours with { Certificate = theirs.Certificate, Key = theirs.Key }));
        Assert.StartsWith("mailactors.cluster.tls.certificate:", error.Message);
    }

    [Fact]
    public void Seeds_written_akka_tcp_are_taken_as_akka_ssl_tcp_when_tls_is_on()
    {
        var root = ConfigurationFactory.ParseString("""akka.cluster.seed-nodes = ["akka.tcp://mailactors@10.0.0.1:4053", "akka.ssl.tcp://mailactors@10.0.0.2:4053"]""");
        var on = new ClusterTlsSettings(true, "", "", "");

        var tls = ClusterFabric.Hocon(on, root).WithFallback(root);

        Assert.True(tls.GetBoolean("akka.remote.dot-netty.tcp.enable-ssl"));
        Assert.Equal(["akka.ssl.tcp://mailactors@10.0.0.1:4053", "akka.ssl.tcp://mailactors@10.0.0.2:4053"], tls.GetStringList("akka.cluster.seed-nodes"));
        Assert.True(ClusterFabric.Hocon(on with { Enabled = false }, root).IsEmpty);
    }
}
