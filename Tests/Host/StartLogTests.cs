using System.Collections.Concurrent;
using System.Text.Json;
using MailActors.Tests.Support;

namespace MailActors.Tests.Host;

/// <summary>
/// What an operator reads when a node starts (issue 11, item 6): Akka's events go through the host's logger once,
/// a normal single-node start says what it must in a dozen lines without a warning, and
/// <c>logging.format = "json"</c> writes one JSON object per line for log shippers.
/// </summary>
[Trait("Category", "Slow")]
public sealed class StartLogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mailactors-log-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>The lines of a normal start, up to the listeners bound and the grant ledger recovered (either comes last).</summary>
    private async Task<List<string>> StartLinesAsync(string format)
    {
        var config = Path.Combine(_dir, "mail.conf");
        string ConfigFor(Func<int> port) => $$"""
            mailactors {
              data-dir = "{{_dir}}/data", bind-address = "127.0.0.1", admin.http = ""
              listeners { pop3.port = {{port()}}, pop3s.port = {{port()}}, apop.port = {{port()}}, smtp.port = {{port()}}, submission.port = {{port()}}
                          submissions.port = {{port()}}, web.port = {{port()}}, webs.port = {{port()}} }
              logging.format = "{{format}}"
            }
            """;
        var lines = new ConcurrentQueue<string>();
        using var server = await ServerProcess.ServeAsync(config, ConfigFor, lines.Enqueue);
        try
        {
            await Eventually.AssertAsync(() => Task.FromResult(lines.Any(l => l.Contains("Grant ledger recovered")) &&
                                                               lines.Any(l => l.Contains("Listening: "))),
                "the node has started", TimeSpan.FromSeconds(90));
            return lines.ToList();
        }
        finally
        {
            await ServerProcess.KillAsync(server);
        }
    }

    [Fact]
    public async Task A_normal_start_logs_a_dozen_lines_without_a_warning_or_a_doubled_prefix()
    {
        var lines = await StartLinesAsync("text");
        var all = string.Join("\n", lines);
        Assert.True(lines.Count <= 15, $"{lines.Count} lines:\n{all}");
        Assert.DoesNotContain(lines, l => l.Contains(" warn: ") || l.Contains(" fail: ") || l.Contains(" crit: "));
        Assert.DoesNotContain(lines, l => l.Contains("[INFO][") || l.Contains("[WARNING]["));
        Assert.Contains(lines, l => l.Contains("Listening: pop3 on 127.0.0.1:"));
        Assert.Contains(lines, l => l.Contains("info: Akka.Cluster.Membership") && l.Contains("to [Up]"));
    }

    [Fact]
    public async Task Json_format_writes_one_object_per_line()
    {
        var lines = await StartLinesAsync("json");
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            using var json = JsonDocument.Parse(line);
            Assert.True(json.RootElement.TryGetProperty("LogLevel", out _), line);
            Assert.True(json.RootElement.TryGetProperty("Category", out _), line);
            Assert.True(json.RootElement.TryGetProperty("Message", out _), line);
        }
        Assert.Contains(lines, l => l.Contains("Listening: pop3"));
    }
}
