namespace MailActors.Tests.Support;

/// <summary>
/// A mailactors process on the same network as a <see cref="TestCluster"/> that is not one of its nodes: its own data
/// folder and database, the cluster's seed addresses, and whatever cluster certificate (or none) the test gives it.
/// </summary>
public sealed class Intruder : IAsyncDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("mailactors-intruder-").FullName;
    public string SiteConfig => Path.Combine(Dir, "site.conf");
    public string Database { get; }
    public ClusterNode Node { get; private set; } = null!;

    private Intruder(string database)
    {
        Database = database;
        File.WriteAllText(SiteConfig, $$"""
            {{MailActors.Host.Configuration.ConfigLoader.EmbeddedText("hocon/test.conf")}}
            mailactors.data-dir = "{{Dir}}/data"
            mailactors.storage { provider = "postgresql", connection-string = "{{database}}" }
            """);
    }

    /// <param name="ownClusterCa">true: a cluster CA and node certificate of its own (another CA); false: no cluster TLS at all</param>
    public static async Task<Intruder> StartAsync(TestCluster cluster, bool ownClusterCa)
    {
        var intruder = new Intruder(await PostgresServer.CreateDatabaseAsync());
        var tls = "mailactors.cluster.tls.enabled = off";
        if (ownClusterCa)
        {
            foreach (var args in new[] { new[] { "ca", "cluster", "init" }, ["ca", "cluster", "issue", "127.0.0.1"] })
            {
                var run = await MailActorsCli.RunAsync(intruder.SiteConfig, "", args);
                if (run.Code != 0) throw new InvalidOperationException(string.Join(' ', args) + ": " + run.Err);
            }
            tls = "mailactors.cluster.tls.enabled = on";
        }
        intruder.Node = new ClusterNode("intruder", intruder.SiteConfig, intruder.Dir, TestServer.FreePort(), cluster.SeedPorts, tls);
        intruder.Node.Start();
        return intruder;
    }

    public async ValueTask DisposeAsync()
    {
        if (Node is not null) await Node.DisposeAsync();
        await PostgresServer.DropDatabaseAsync(Database);
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}
