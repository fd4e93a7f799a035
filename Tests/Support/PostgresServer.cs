using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace MailActors.Tests.Support;

/// <summary>
/// One real PostgreSQL server for the whole test run (an assembly-wide fixture: xunit 2 has none, so a lazily
/// started shared instance, stopped when the test process exits). <c>MAILACTORS_TEST_POSTGRES</c>, when set, is
/// the connection string of a server someone else runs (CI's <c>.ci/run</c> starts one); otherwise a throwaway
/// server is created with initdb/pg_ctl under /tmp on a free port, trust authentication on 127.0.0.1. Each test
/// takes a database of its own (<see cref="CreateDatabaseAsync"/>), so tests stay independent.
/// </summary>
public sealed class PostgresServer
{
    public const string EnvironmentVariable = "MAILACTORS_TEST_POSTGRES";
    public const string BinEnvironmentVariable = "MAILACTORS_TEST_POSTGRES_BIN";

    private static readonly Lazy<Task<PostgresServer>> SharedServer = new(StartAsync);

    /// <summary>The server's connection string, with no database named (the user's default database).</summary>
    public string ConnectionString { get; }

    private readonly string? _dataDir;
    private readonly string? _binDir;

    private PostgresServer(string connectionString, string? dataDir, string? binDir)
    {
        ConnectionString = connectionString;
        _dataDir = dataDir;
        _binDir = binDir;
    }

    public static Task<PostgresServer> SharedAsync() => SharedServer.Value;

    /// <summary>A new, empty database; its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        var server = await SharedAsync();
        var name = "mailactors_test_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(server.ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(server.ConnectionString) { Database = name }.ToString();
    }

    /// <summary>Drops a database made by <see cref="CreateDatabaseAsync"/> (so a developer's own server does not fill up).</summary>
    public static async Task DropDatabaseAsync(string connectionString)
    {
        var server = await SharedAsync();
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        await using var connection = new NpgsqlConnection(server.ConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }

    private static async Task<PostgresServer> StartAsync()
    {
        var given = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(given)) return new PostgresServer(given, null, null);

        var bin = FindBinaries() ?? throw new InvalidOperationException(
            $"The PostgreSQL tests need a PostgreSQL server: set {EnvironmentVariable} to a connection string " +
            $"(e.g. \"Host=127.0.0.1;Port=5432;Username=postgres\"), or install PostgreSQL so that initdb and pg_ctl are found " +
            $"({BinEnvironmentVariable}, /usr/lib/postgresql/*/bin, or PATH).");
        var asRoot = Environment.IsPrivilegedProcess;
        // As root the server runs as the postgres user, who must reach the folder: /tmp, not a private TMPDIR.
        var dir = asRoot
            ? Directory.CreateDirectory(Path.Combine("/tmp", "mailactors-pg-" + Guid.NewGuid().ToString("N")[..12])).FullName
            : Directory.CreateTempSubdirectory("mailactors-pg-").FullName;
        if (asRoot) await RunAsync("chown", ["postgres", dir]);
        var port = FreePort();
        await RunPostgresToolAsync(bin, asRoot, "initdb", ["-D", Path.Combine(dir, "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
        await RunPostgresToolAsync(bin, asRoot, "pg_ctl", ["-D", Path.Combine(dir, "data"), "-l", Path.Combine(dir, "log"), "-w", "-t", "60",
            "-o", $"-p {port} -c listen_addresses=127.0.0.1 -k {dir} -c max_connections=400 -c fsync=off", "start"]);
        var server = new PostgresServer($"Host=127.0.0.1;Port={port};Username=postgres", dir, bin);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop(asRoot);
        await server.WatchAsync(asRoot);
        return server;
    }

    private string StopCommand(bool asRoot) =>
        (asRoot ? "runuser -u postgres -- " : "") + $"'{Path.Combine(_binDir!, "pg_ctl")}' -D '{Path.Combine(_dataDir!, "data")}' -m immediate -w stop";

    /// <summary>
    /// A detached watchdog stops the server and removes its folder once this test process is gone, however it ends
    /// (the test host may be killed before its exit handlers finish, or crash).
    /// </summary>
    private Task WatchAsync(bool asRoot) => RunAsync("sh", ["-c",
        $"setsid sh -c 'while kill -0 {Environment.ProcessId} 2>/dev/null; do sleep 1; done; {StopCommand(asRoot).Replace("'", "\"")}; rm -rf \"{_dataDir}\"' </dev/null >/dev/null 2>&1 &"]);

    /// <summary>Stops the server at once when the test process exits; the watchdog then removes the folder.</summary>
    private void Stop(bool asRoot)
    {
        try
        {
            RunAsync("sh", ["-c", StopCommand(asRoot)]).GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"could not stop the test PostgreSQL in {_dataDir}: {e.Message}");
        }
    }

    private static string? FindBinaries()
    {
        var candidates = new List<string>();
        var configured = Environment.GetEnvironmentVariable(BinEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured)) candidates.Add(configured);
        if (Directory.Exists("/usr/lib/postgresql"))
            candidates.AddRange(Directory.GetDirectories("/usr/lib/postgresql")
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0)
                .Select(d => Path.Combine(d, "bin")));
        candidates.AddRange((Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pg_ctl")));
    }

    /// <summary>PostgreSQL refuses to run as root; then the tools run as the postgres user.</summary>
    private static Task RunPostgresToolAsync(string bin, bool asRoot, string tool, string[] args) =>
        asRoot ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(bin, tool), .. args]) : RunAsync(Path.Combine(bin, tool), args);

    private static async Task RunAsync(string file, string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {await error}{await output}");
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
