using System.CommandLine;
using MailActors.Certificates;
using MailActors.Host.Server;

namespace MailActors.Host.Cli;

/// <summary><c>mailactors ca init [--host NAME]...</c> and <c>mailactors ca cluster init | issue HOST [--out DIR]</c> (docs/spec.md §12, 15).</summary>
public static class CaCommand
{
    public static Command Build()
    {
        var ca = new Command("ca", "the server's certificate authorities: the users' mail CA and the cluster CA");
        ca.Subcommands.Add(Init());
        ca.Subcommands.Add(Cluster());
        return ca;
    }

    private static Command Init()
    {
        var hosts = new Option<string[]>("--host") { Description = "another name the server certificate is valid for (repeatable)", DefaultValueFactory = _ => [] };
        var init = new Command("init", "create the root CA (if missing) and issue the server certificate; prints the CA path") { hosts };
        init.SetAction(parse =>
        {
            var settings = CommonOptions.Load(parse).Settings;
            var ca = new CertificateAuthority(ServerCertificate.TlsDir(settings));
            ca.Issue(new[] { settings.Hostname }.Concat(parse.GetValue(hosts) ?? []), settings.LocalDomains);
            Console.WriteLine(ca.CaFile);
            Console.Error.WriteLine($"The CA's private key is {ca.CaKeyFile}. A running node needs only ca.pem, server.pem and server-key.pem: " +
                                    "move the CA key offline, and bring it back only to issue a new server certificate (docs/operations.md).");
            return 0;
        });
        return init;
    }

    private static Command Cluster()
    {
        var cluster = new Command("cluster", "the cluster fabric's CA and node certificates (mutual TLS between nodes)");

        var init = new Command("init", "create the cluster CA in data-dir/tls/cluster (ca.pem, ca-key.pem); prints its path");
        init.SetAction(parse =>
        {
            var settings = CommonOptions.Load(parse).Settings;
            var ca = new ClusterCertificateAuthority(ClusterDir(settings));
            if (!ca.Init()) Console.Error.WriteLine($"A cluster CA is already there; kept it ({ca.CaFile}).");
            Console.WriteLine(ca.CaFile);
            return 0;
        });

        var host = new Argument<string>("HOST") { Description = "the host name or address the node's remoting is reached at" };
        var outDir = new Option<string?>("--out") { Description = "where to write node.pem, node-key.pem and ca.pem (default data-dir/tls/cluster)" };
        var issue = new Command("issue", "issue a node certificate from the cluster CA") { host, outDir };
        issue.SetAction(parse =>
        {
            var settings = CommonOptions.Load(parse).Settings;
            var name = parse.GetValue(host)!;
            if (Uri.CheckHostName(name) == UriHostNameType.Unknown) throw new CliError($"HOST: \"{name}\" is not a host name or address");
            var dir = Path.GetFullPath(parse.GetValue(outDir) ?? ClusterDir(settings));
            new ClusterCertificateAuthority(ClusterDir(settings)).Issue(name, dir);
            Console.WriteLine(Path.Combine(dir, ClusterCertificateAuthority.NodeCertificateName));
            return 0;
        });

        cluster.Subcommands.Add(init);
        cluster.Subcommands.Add(issue);
        return cluster;
    }

    private static string ClusterDir(MailActors.Configuration.MailActorsSettings settings) => Path.Combine(settings.DataDir, "tls", "cluster");
}
