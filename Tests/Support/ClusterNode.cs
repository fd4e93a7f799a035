using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MailActors.Tests.Support;

/// <summary>
/// One node of a real cluster: the <c>mailactors</c> executable in its own process, on loopback, with the shipped
/// cluster profile (<c>hocon/cluster-node.conf</c>) and its per-node values in environment variables, as an operator
/// runs it. Nodes of one <see cref="TestCluster"/> share the PostgreSQL database and the data folder (keys, TLS, and the
/// cluster certificate: remoting runs over mutual TLS, as the shipped profile says).
/// </summary>
public sealed class ClusterNode : IAsyncDisposable
{
    private readonly string _siteConfig;
    private readonly string _nodeConfig;
    private readonly Dictionary<string, string> _environment;
    private readonly string _extraHocon;
    private readonly StringBuilder _log = new();
    private Process? _process;

    public string Name { get; }
    /// <summary>The data folder every node of its cluster shares (site.conf: <c>DIR/data</c>): keys, TLS files, the admin token.</summary>
    public string DataDir { get; }
    public int RemotingPort { get; }
    public int AdminPort { get; private set; }
    public int Pop3Port { get; private set; }
    public int Pop3sPort { get; private set; }
    public int SmtpPort { get; private set; }
    public int SubmissionPort { get; private set; }
    public string Address => $"akka.ssl.tcp://mailactors@127.0.0.1:{RemotingPort}";
    public bool Running => _process is { HasExited: false };
    public string Log { get { lock (_log) return _log.ToString(); } }

    /// <param name="seedPorts">written <c>akka.tcp://</c>, as an operator may: the node takes them as <c>akka.ssl.tcp</c></param>
    /// <param name="extraHocon">this node's own settings (an intruder's certificate, say)</param>
    public ClusterNode(string name, string siteConfig, string dir, int remotingPort, IReadOnlyList<int> seedPorts, string extraHocon = "")
    {
        Name = name;
        DataDir = Path.Combine(dir, "data");
        _extraHocon = extraHocon;
        _siteConfig = siteConfig;
        RemotingPort = remotingPort;
        _nodeConfig = Path.Combine(dir, $"{name}.conf");
        _environment = new()
        {
            ["MAILACTORS_NODE_PORT"] = RemotingPort.ToString(),
            ["MAILACTORS_SEED_NODES"] = "[" + string.Join(", ", seedPorts.Select(p => $"\"akka.tcp://mailactors@127.0.0.1:{p}\"")) + "]",
        };
        PickPorts();
    }

    /// <summary>Free ports for the listeners and the admin endpoint (again, when another test took one meanwhile).</summary>
    private void PickPorts()
    {
        (AdminPort, Pop3Port, Pop3sPort, SmtpPort, SubmissionPort) =
            (TestServer.FreePort(), TestServer.FreePort(), TestServer.FreePort(), TestServer.FreePort(), TestServer.FreePort());
        File.WriteAllText(_nodeConfig, $$"""
            mailactors.listeners {
              pop3.port = {{Pop3Port}}, pop3s.port = {{Pop3sPort}}, apop.enabled = off
              smtp.port = {{SmtpPort}}, submission.port = {{SubmissionPort}}
              submissions.enabled = off, web.enabled = off, webs.enabled = off
            }
            {{_extraHocon}}
            """);
        _environment["MAILACTORS_ADMIN_HTTP"] = $"127.0.0.1:{AdminPort}";
    }

    /// <summary>Starts the node and waits until it is ready; a port taken by another test meanwhile is picked again.</summary>
    public async Task StartReadyAsync(TimeSpan within)
    {
        for (var attempt = 1; ; attempt++)
        {
            lock (_log) _log.Clear();
            Start();
            try
            {
                await WaitReadyAsync(within);
                return;
            }
            catch (InvalidOperationException) when (attempt < 3 && Log.Contains("cannot listen on")) // a listener or the admin endpoint, not remoting
            {
                PickPorts();
            }
        }
    }

    public void Start()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mailactors.dll"));
        foreach (var config in new[] { _siteConfig, Path.Combine(AppContext.BaseDirectory, "hocon", "cluster-node.conf"), _nodeConfig })
        {
            start.ArgumentList.Add("--config");
            start.ArgumentList.Add(config);
        }
        start.ArgumentList.Add("serve");
        foreach (var (key, value) in _environment) start.Environment[key] = value;
        _process = Process.Start(start)!;
        var process = _process;
        // If the test host goes away without disposing (killed, or a crash), its nodes go with it.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { try { if (!process.HasExited) process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } };
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The node is ready (admin <c>/readyz</c>: listeners bound, member Up, storage answering).</summary>
    public async Task WaitReadyAsync(TimeSpan within)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            if (!Running) throw new InvalidOperationException($"node {Name} exited during start-up:\n{Log}");
            try
            {
                if ((await http.GetAsync($"http://127.0.0.1:{AdminPort}/readyz")).IsSuccessStatusCode) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"node {Name} not ready within {within}:\n{Log}");
            await Task.Delay(200);
        }
    }

    /// <summary>A crash: no goodbye to the cluster.</summary>
    public void Kill()
    {
        if (Running) _process!.Kill(entireProcessTree: true);
        _process?.WaitForExit();
    }

    /// <summary>What an operator's <c>systemctl stop</c> sends: a graceful leave.</summary>
    public async Task TerminateAsync(TimeSpan within)
    {
        if (!Running) return;
        Process.Start("kill", ["-TERM", _process!.Id.ToString()])!.WaitForExit();
        using var timeout = new CancellationTokenSource(within);
        await _process.WaitForExitAsync(timeout.Token);
    }

    public async Task<string> GetAsync(string path)
    {
        using var http = AdminHttp.For(DataDir);
        return await http.GetStringAsync($"http://127.0.0.1:{AdminPort}/{path}");
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// Three (or more) <see cref="ClusterNode"/>s on one PostgreSQL database of their own, the first two the seeds.
/// The site configuration is the test profile; the CA and the APOP key are made once, before any node starts.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("mailactors-cluster-").FullName;
    public string Database { get; }
    public string SiteConfig => Path.Combine(Dir, "site.conf");
    public IReadOnlyList<ClusterNode> Nodes { get; }

    private TestCluster(string database, int nodes, string extraHocon)
    {
        Database = database;
        File.WriteAllText(SiteConfig, $$"""
            {{MailActors.Host.Configuration.ConfigLoader.EmbeddedText("hocon/test.conf")}}
            mailactors.data-dir = "{{Dir}}/data"
            mailactors.storage { provider = "postgresql", connection-string = "{{database}}" }
            {{extraHocon}}
            """);
        var remoting = Enumerable.Range(0, nodes).Select(_ => TestServer.FreePort()).ToList();
        var seeds = remoting.Take(Math.Min(2, nodes)).ToList();
        Nodes = remoting.Select((port, i) => new ClusterNode($"node{i + 1}", SiteConfig, Dir, port, seeds)).ToList();
    }

    private static readonly TimeSpan StartPatience = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Starts the cluster. A remoting port taken by another test between choosing and binding (the seeds' ports are in
    /// every node's configuration, so one node cannot pick again alone) starts a whole new cluster, up to three times.
    /// </summary>
    public static async Task<TestCluster> StartAsync(int nodes = 3, string extraHocon = "")
    {
        for (var attempt = 1; ; attempt++)
        {
            var cluster = new TestCluster(await PostgresServer.CreateDatabaseAsync(), nodes, extraHocon);
            try
            {
                await cluster.CliAsync("ca", "init");
                await cluster.CliAsync("ca", "cluster", "init");
                await cluster.CliAsync("ca", "cluster", "issue", "127.0.0.1");
                // The first seed forms the cluster; the others join it. Generous: on a loaded machine (load average 100 on 2
                // cores seen) a node process alone took 40 s to bind its listeners, before its TLS handshakes and join.
                await cluster.Nodes[0].StartReadyAsync(StartPatience);
                await Task.WhenAll(cluster.Nodes.Skip(1).Select(node => node.StartReadyAsync(StartPatience)));
                return cluster;
            }
            catch (InvalidOperationException e) when (attempt < 3 && e.Message.Contains("Failed to bind to"))
            {
                await cluster.DisposeAsync();
            }
            catch
            {
                await cluster.DisposeAsync(); // no node outlives a cluster that did not come up
                throw;
            }
        }
    }

    private async Task CliAsync(params string[] args)
    {
        var run = await MailActorsCli.RunAsync(SiteConfig, "", args);
        if (run.Code != 0) throw new InvalidOperationException(string.Join(' ', args) + ": " + run.Err);
    }

    /// <summary>Where the cluster's seeds listen (remoting).</summary>
    public IReadOnlyList<int> SeedPorts => Nodes.Take(2).Select(n => n.RemotingPort).ToList();

    public async Task AddUserAsync(string name, string password)
    {
        var added = await MailActorsCli.RunAsync(SiteConfig, password + "\n", "user", "add", name, "--password-stdin");
        if (added.Code != 0) throw new InvalidOperationException("user add: " + added.Err);
    }

    /// <summary>The CA that signed every node's certificate, for MailKit clients.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2 Ca =>
        System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(Dir, "data", "tls", "ca.pem")));

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes) await node.DisposeAsync();
        await PostgresServer.DropDatabaseAsync(Database);
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}
