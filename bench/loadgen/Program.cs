using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using MailActors.LoadGen;

// loadgen: the compiled benchmark client (bench/README.md, "loadgen"). One scenario per run; prints one line
// and, with --json FILE, appends the same figures as a JSON line.
if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine(Options.Usage);
    return 2;
}
var scenario = args[0];
var o = Options.Parse(args[1..]);
var server = new IPEndPoint(IPAddress.Parse(o.Get("host", "127.0.0.1")), o.Int("port", 0));
var clients = o.Int("clients", 1);
var accounts = new Accounts(o.Get("user-format", "pop{0}@example.test"), o.Get("secret-format", "pop{0}-secret"), o.Int("users", 50));
var pop3 = new Pop3Load(server, o.Flag("tls"), accounts);
var recorder = new Recorder();
using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(o.Int("timeout", 600)));

Func<int, bool, List<double>, CancellationToken, Task<long>> work;
switch (scenario)
{
    case "pop3-login" or "apop-login":
    {
        var count = o.Int("count", 200);
        var apop = scenario == "apop-login";
        work = (i, warm, lat, c) => pop3.LoginsAsync(i, warm ? Math.Min(count, 50) : count, apop, lat, c);
        break;
    }
    case "pop3-retr":
    {
        var perClient = Math.Max(1, o.Int("sessions", 100) / clients);
        var expect = o.Int("expect", 1000);
        work = (i, warm, lat, c) => pop3.RetrievalsAsync(i, warm ? 1 : perClient, expect, recorder, lat, c);
        break;
    }
    case "smtp":
    {
        var smtp = new SmtpLoad(server, o.Get("helo", "client.example.test"), o.Get("sender", "sender@example.test"),
            o.Get("recipient", "user1@example.test"), o.Int("size", 4096));
        var perSession = Math.Max(1, o.Int("messages", 5000) / clients);
        var perConnection = o.Int("per-connection", 1);
        work = (_, warm, lat, c) => smtp.MessagesAsync(warm ? Math.Min(perSession, 20) : perSession, perConnection, lat, c);
        break;
    }
    default:
        Console.Error.WriteLine($"unknown scenario '{scenario}'\n{Options.Usage}");
        return 2;
}

var pids = o.Get("pid", "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToList();
var meter = new CpuMeter(pids);
try
{
    if (!o.Flag("no-warmup")) await RunClients(warm: true);
    var before = meter.Read();
    var started = Stopwatch.GetTimestamp();
    var operations = await RunClients(warm: false);
    var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
    var after = o.Flag("settle") ? await Settled(meter) : meter.Read();
    Report(operations, elapsed, before, after);
    return recorder.Errors.Count == 0 ? 0 : 1;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine($"loadgen {scenario}: deadline of {o.Int("timeout", 600)} s passed");
    return 3;
}

// Work a server does after its reply (Postfix's local delivery after its 250) belongs to the operation too:
// reads on until the server trees used less than 20 ms of CPU in half a second (at most 60 s).
static async Task<CpuMeter.Reading> Settled(CpuMeter meter)
{
    var last = meter.Read();
    for (var waited = 0; waited < 120; waited++)
    {
        await Task.Delay(500);
        var now = meter.Read();
        if (now.ServerSeconds - last.ServerSeconds < 0.02) return last;
        last = now;
    }
    return last;
}

async Task<long> RunClients(bool warm)
{
    var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    var tasks = Enumerable.Range(0, clients).Select(async i =>
    {
        var latencies = warm ? [] : recorder.NewClientList();
        await go.Task;
        try
        {
            return await work(i, warm, latencies, deadline.Token);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or System.Net.Sockets.SocketException or System.Security.Authentication.AuthenticationException)
        {
            recorder.Error($"client {i}: {e.Message}");
            return latencies.Count;
        }
    }).ToArray();
    go.SetResult();
    return (await Task.WhenAll(tasks)).Sum();
}

void Report(long operations, double elapsed, CpuMeter.Reading before, CpuMeter.Reading after)
{
    var latencies = recorder.SortedLatencies();
    var server = after.ServerSeconds - before.ServerSeconds;
    var client = after.ClientSeconds - before.ClientSeconds;
    var busy = after.MachineBusySeconds - before.MachineBusySeconds;
    var result = new Dictionary<string, object?>
    {
        ["label"] = o.Get("label", ""),
        ["scenario"] = scenario,
        ["tls"] = o.Flag("tls"),
        ["clients"] = clients,
        ["operations"] = operations,
        ["elapsed_s"] = Math.Round(elapsed, 3),
        ["ops_per_s"] = Math.Round(operations / elapsed, 1),
        ["p50_ms"] = Math.Round(Recorder.Percentile(latencies, 50), 3),
        ["p90_ms"] = Math.Round(Recorder.Percentile(latencies, 90), 3),
        ["p99_ms"] = Math.Round(Recorder.Percentile(latencies, 99), 3),
        ["server_cpu_s"] = Math.Round(server, 2),
        ["server_cpu_us_per_op"] = pids.Count == 0 || operations == 0 ? null : Math.Round(server * 1e6 / operations, 1),
        ["client_cpu_s"] = Math.Round(client, 2),
        // the machine's busy CPU less server and client: other work on a shared box (noise)
        ["other_cpu_s"] = pids.Count == 0 ? null : Math.Round(busy - server - client, 2),
        ["octets"] = recorder.Octets,
        ["errors"] = recorder.Errors.ToArray(),
    };
    Console.WriteLine(string.Join(' ', result.Where(kv => kv.Key != "errors").Select(kv => $"{kv.Key}={Format(kv.Value)}"))
        + (recorder.Errors.Count == 0 ? "" : "\n  errors: " + string.Join("\n  ", recorder.Errors)));
    if (o.Get("json", "") is { Length: > 0 } file) File.AppendAllText(file, JsonSerializer.Serialize(result) + "\n");
}

static string Format(object? v) => v switch
{
    null => "-",
    double d => d.ToString(CultureInfo.InvariantCulture),
    bool b => b ? "yes" : "no",
    string { Length: 0 } => "-",
    _ => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "-",
};

sealed class Options
{
    public const string Usage = """
        usage: loadgen SCENARIO --port N [options]
          pop3-login | apop-login   --clients 10 --count 200 (logins per client) [--tls]
          pop3-retr                 --clients 1 --sessions 100 (split over clients) --expect 1000 [--tls]
          smtp                      --clients 20 (sessions) --messages 5000 --size 4096 --per-connection 1
                                    --recipient user1@example.test --sender sender@example.test --helo client.example.test
          warm-up (untimed, unless --no-warmup): 50 logins, one retrieval session, 20 messages per client
          common: --settle (count the server's CPU until it is idle again, not only until the last reply)
                  --host 127.0.0.1 --pid PID[,PID] (server process trees whose CPU is measured)
                  --users 50 --user-format pop{0}@example.test --secret-format pop{0}-secret
                  --label TEXT --json FILE (append a JSON line) --no-warmup --timeout 600
        """;

    private readonly Dictionary<string, string> _values = new();

    public static Options Parse(string[] args)
    {
        var o = new Options();
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--")) throw new ArgumentException($"unexpected '{args[i]}'\n{Usage}");
            var key = args[i][2..];
            o._values[key] = i + 1 < args.Length && !args[i + 1].StartsWith("--") ? args[++i] : "";
        }
        return o;
    }

    public string Get(string key, string fallback) => _values.TryGetValue(key, out var v) ? v : fallback;
    public int Int(string key, int fallback) => _values.TryGetValue(key, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
    public bool Flag(string key) => _values.ContainsKey(key);
}
