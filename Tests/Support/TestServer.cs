using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Akka.Actor;
using Akka.Hosting;
using MailActors.Accounts;
using MailActors.Grants;
using MailActors.Host.Configuration;
using MailActors.Host.Server;
using MailActors.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MailActors.Tests.Support;

/// <summary>Where a test server keeps its data: the embedded SQLite file, or a database of its own on the test PostgreSQL.</summary>
public enum TestStorage { Sqlite, Postgres }

/// <summary>
/// The real host, started in-process on free ports with its own data folder, under the test profile
/// (<c>hocon/test.conf</c>): 127.0.0.1 inside, 127.0.0.3 dial-up, 127.0.0.2 outside.
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    public static readonly IPAddress Inside = IPAddress.Parse("127.0.0.1");
    public static readonly IPAddress Outside = IPAddress.Parse("127.0.0.2");
    public static readonly IPAddress Dialup = IPAddress.Parse("127.0.0.3");

    private readonly string _extraHocon;
    private readonly bool _admin;
    private IHost? _host;

    /// <summary>The server's own PostgreSQL database (<see cref="TestStorage.Postgres"/>), else null.</summary>
    public string? PostgresConnectionString { get; private init; }

    public string DataDir { get; }
    public int Pop3Port { get; private set; }
    public int Pop3sPort { get; private set; }
    public int ApopPort { get; private set; }
    public int SmtpPort { get; private set; }
    public int SubmissionPort { get; private set; }
    public int SubmissionsPort { get; private set; }
    public int WebPort { get; private set; }
    public int WebsPort { get; private set; }
    /// <summary>The admin endpoint's port (<c>StartAsync(admin: true)</c>: picked with the others, so that a retried bind
    /// picks it afresh too), else 0 and no endpoint.</summary>
    public int AdminPort { get; private set; }
    /// <summary>A path on the admin endpoint, e.g. <c>AdminUri("status")</c>.</summary>
    public Uri AdminUri(string path) => new($"http://127.0.0.1:{AdminPort}/{path}");
    public MailServices Services => _host!.Services.GetRequiredService<MailServices>();

    /// <summary>The bound listeners, as <c>status</c> lists them.</summary>
    public IReadOnlyList<(string Name, string Endpoint)> Endpoints => _host!.Services.GetRequiredService<ListenerService>().Endpoints;
    public ActorSystem System => _host!.Services.GetRequiredService<ActorSystem>();
    public IActorRef GrantLedger => _host!.Services.GetRequiredService<ActorRegistry>().Get<GrantLedgerActor>();

    /// <summary>The grant that covers <paramref name="address"/> now, as the ledger answers a session.</summary>
    public async Task<Grant?> GrantForAsync(IPAddress address) =>
        (await GrantLedger.Ask<GrantLedgerProtocol.CheckResult>(new GrantLedgerProtocol.Check(address.ToString()), TimeSpan.FromSeconds(5))).Grant;
    public X509Certificate2 Ca => X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(Config().Settings.DataDir, "tls", "ca.pem")));

    private TestServer(string extraHocon, bool admin)
    {
        _extraHocon = extraHocon;
        _admin = admin;
        DataDir = Directory.CreateTempSubdirectory("mailactors-test-").FullName;
        PickPorts();
    }

    private void PickPorts()
    {
        Pop3Port = FreePort();
        Pop3sPort = FreePort();
        ApopPort = FreePort();
        SmtpPort = FreePort();
        SubmissionPort = FreePort();
        SubmissionsPort = FreePort();
        WebPort = FreePort();
        WebsPort = FreePort();
        AdminPort = _admin ? FreePort() : 0;
    }

    /// <param name="admin">also serve the admin endpoint (on <see cref="AdminPort"/>).</param>
    public static async Task<TestServer> StartAsync(string extraHocon = "", TestStorage storage = TestStorage.Sqlite, bool admin = false)
    {
        var server = storage == TestStorage.Postgres
            ? new TestServer(extraHocon, admin) { PostgresConnectionString = await PostgresServer.CreateDatabaseAsync() }
            : new TestServer(extraHocon, admin);
        await server.StartBindingAsync();
        return server;
    }

    private async Task StartBindingAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await StartHostAsync();
                return;
            }
            catch (MailActors.Transport.Listeners.ListenerBindException) when (attempt < 3)
            {
                // Another test (or a client's ephemeral port) took a port between our probe and the bind,
                // or while we were stopped: try fresh ones.
                await StopAsync();
                PickPorts();
            }
        }
    }

    public LoadedConfig Config() => ConfigLoader.Load([], null, ConfigTexts());

    /// <summary>This server's configuration as a file, for the <c>mailactors</c> command line.</summary>
    public string ConfigFile()
    {
        var path = Path.Combine(DataDir, "mailactors-cli.conf");
        File.WriteAllText(path, string.Join("\n", ConfigTexts()));
        return path;
    }

    private string[] ConfigTexts() =>
    [
        ConfigLoader.EmbeddedText("hocon/test.conf"),
        $$"""
          mailactors {
            data-dir = "{{DataDir}}"
            listeners {
              pop3.port = {{Pop3Port}}, pop3s.port = {{Pop3sPort}}, apop.port = {{ApopPort}}
              smtp.port = {{SmtpPort}}, submission.port = {{SubmissionPort}}, submissions.port = {{SubmissionsPort}}
              web.port = {{WebPort}}, webs.port = {{WebsPort}}
            }
          }
          """,
        PostgresConnectionString is null ? "" : $$"""
          mailactors.storage { provider = "postgresql", connection-string = "{{PostgresConnectionString}}" }
          """,
        _admin ? $"""mailactors.admin.http = "127.0.0.1:{AdminPort}" """ : "",
        _extraHocon,
    ];

    private async Task StartHostAsync()
    {
        _host = MailActorsServer.Build(Config(), logging => logging.SetMinimumLevel(LogLevel.Warning));
        await _host.StartAsync();
    }

    /// <summary>A clean stop and a fresh start on the same data, and the same ports unless one was taken meanwhile.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        await StartBindingAsync();
    }

    public async Task StopAsync()
    {
        if (_host is null) return;
        await _host.StopAsync();
        _host.Dispose();
        _host = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try { Directory.Delete(DataDir, recursive: true); } catch (IOException) { }
        if (PostgresConnectionString is not null) await PostgresServer.DropDatabaseAsync(PostgresConnectionString);
    }

    public async Task AddUserAsync(string name, string password, string? apopSecret = null)
    {
        await Services.Accounts.AddAccountAsync(name, PasswordHasher.Hash(password));
        if (apopSecret is not null) await Services.Accounts.SetApopSecretAsync(name, Services.ApopCipher.Seal(apopSecret));
    }

    public Task<StoredMessageInfo> DeliverAsync(string name, string text) =>
        Services.Messages.DeliverAsync(name, MessageText.ToCrlf(Encoding.UTF8.GetBytes(text)), null);

    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
