using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using MailActors.Certificates;
using MailActors.Tests.Support;

namespace MailActors.Tests.Cluster;

/// <summary>
/// The cluster fabric admits only nodes with a certificate from the cluster CA (docs/spec.md §15, issue 12): the three
/// nodes of the fixture run over mutual TLS, and a process without a certificate, or with one from another CA, can
/// neither associate nor join.
/// </summary>
public sealed partial class ClusterTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_nodes_speak_to_each_other_over_tls_only()
    {
        foreach (var node in Cluster.Nodes)
        {
            var status = JsonDocument.Parse(await node.GetAsync("status")).RootElement;
            Assert.All(status.GetProperty("members").EnumerateArray(),
                m => Assert.StartsWith("akka.ssl.tcp://mailactors@", m.GetProperty("address").GetString()));
        }
        Assert.DoesNotContain("NewtonSoftJsonSerializer has been detected", Node(1).Log + Node(2).Log + Node(3).Log);
    }

    [Theory]
    [InlineData(false, "due to TLS handshake failure")] // no cluster TLS at all: plain bytes at a TLS port
    [InlineData(true, "TLS handshake failed")]          // its own cluster CA and node certificate
    public async Task A_node_without_a_certificate_from_the_cluster_ca_cannot_join(bool ownClusterCa, string seedLogs)
    {
        var refusedBefore = Refusals(seedLogs);
        await using var intruder = await Intruder.StartAsync(Cluster, ownClusterCa);

        await Eventually.AssertAsync(() => Task.FromResult(Refusals(seedLogs) > refusedBefore), "a seed refuses the intruder", Patience);
        await AssertStillOnlyOurThreeAsync(intruder.Node);
    }

    [Fact]
    public async Task A_tls_peer_without_a_certificate_or_with_a_foreign_one_is_cut_off_at_the_handshake()
    {
        var seed = Node(1);
        var before = seed.Log.Length;
        await AssertCutOffAsync(seed.RemotingPort, clientCertificate: null);
        await Eventually.AssertAsync(() => Task.FromResult(seed.Log[before..].Contains("did not provide a certificate") || seed.Log[before..].Contains("presented no certificate")),
            "the seed logs a peer without a certificate", Patience);

        var foreign = Directory.CreateTempSubdirectory("mailactors-foreign-ca-").FullName;
        try
        {
            var ca = new ClusterCertificateAuthority(foreign);
            ca.Init();
            ca.Issue("127.0.0.1", foreign);
            using var certificate = CertificateAuthority.LoadWithKey(
                Path.Combine(foreign, ClusterCertificateAuthority.NodeCertificateName), Path.Combine(foreign, ClusterCertificateAuthority.NodeKeyName), "test");
            before = seed.Log.Length;
            await AssertCutOffAsync(seed.RemotingPort, certificate);
            await Eventually.AssertAsync(() => Task.FromResult(seed.Log[before..].Contains("not from the cluster CA")),
                "the seed logs a peer whose certificate is from another CA", Patience);
        }
        finally { Directory.Delete(foreign, recursive: true); }
    }

    private int Refusals(string what) =>
        Cluster.Nodes.Take(2).Sum(n => n.Log.Split('\n').Count(line => line.Contains(what)));

    /// <summary>The intruder never becomes a member: every node still sees exactly its three, and the intruder is not ready.</summary>
    private async Task AssertStillOnlyOurThreeAsync(ClusterNode intruder)
    {
        var ours = Cluster.Nodes.Select(n => n.Address).Order().ToList();
        foreach (var node in Cluster.Nodes)
        {
            var status = JsonDocument.Parse(await node.GetAsync("status")).RootElement;
            Assert.Equal(ours, status.GetProperty("members").EnumerateArray().Select(m => m.GetProperty("address").GetString()!).Order().ToList());
        }
        Assert.True(intruder.Running, "the intruder is still trying:\n" + intruder.Log);
        Assert.DoesNotContain("is JOINING", intruder.Log.Replace($"Node [{intruder.Address}] is JOINING itself", ""));
        Assert.DoesNotContain("Welcome from", intruder.Log);
    }

    /// <summary>
    /// A TLS client that trusts anything the node presents and offers <paramref name="clientCertificate"/>: the node ends
    /// the connection at the handshake (the client may see its own side finish first; the node's alert or close follows).
    /// </summary>
    private static async Task AssertCutOffAsync(int port, X509Certificate2? clientCertificate)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        await using var tls = new SslStream(tcp.GetStream(), false, (_, _, _, _) => true);
        using var deadline = new CancellationTokenSource(Patience);
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "127.0.0.1",
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
                LocalCertificateSelectionCallback = clientCertificate is null ? null : (_, _, _, _, _) => clientCertificate,
            }, deadline.Token);
            var read = await tls.ReadAsync(new byte[1], deadline.Token);
            Assert.Equal(0, read);
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException) { } // cut off: what we expect
    }
}
