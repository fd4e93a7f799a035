using System.Diagnostics;
using MailActors.Tests.Support;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace MailActors.Tests.Hardening;

/// <summary>docs/spec.md §14 over real sockets: refusals cost the refused client its connection, and the audit
/// journal grows by at most two rows per connection however many refusals it pipelines.</summary>
[Trait("Category", "Slow")]
public sealed class RefusalFloodTests(ITestOutputHelper output) : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>The audit rows of the node's own streams, by kind (the journal's manifest column).</summary>
    private async Task<Dictionary<string, long>> AuditRowsAsync()
    {
        var path = MailActors.Host.Server.PersistenceConfig.SqliteDatabasePath(_server.Config().Settings);
        await using var db = new SqliteConnection($"Data Source={path};Mode=ReadOnly");
        await db.OpenAsync();
        await using var exists = db.CreateCommand();
        exists.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'journal'";
        if ((long)(await exists.ExecuteScalarAsync())! == 0) return []; // created with the first event
        await using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT manifest, count(*) FROM journal WHERE persistence_id LIKE 'audit-%' GROUP BY manifest";
        await using var r = await cmd.ExecuteReaderAsync();
        var rows = new Dictionary<string, long>();
        while (await r.ReadAsync()) rows[r.GetString(0)] = r.GetInt64(1);
        return rows;
    }

    /// <summary>The <c>count</c> of every repeated-refusal fact of this kind written so far.</summary>
    private async Task<List<int>> RepeatCountsAsync(string manifest)
    {
        var path = MailActors.Host.Server.PersistenceConfig.SqliteDatabasePath(_server.Config().Settings);
        await using var db = new SqliteConnection($"Data Source={path};Mode=ReadOnly");
        await db.OpenAsync();
        await using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT message FROM journal WHERE manifest = $m ORDER BY ordering";
        cmd.Parameters.AddWithValue("$m", manifest);
        await using var r = await cmd.ExecuteReaderAsync();
        var counts = new List<int>();
        while (await r.ReadAsync())
            counts.Add(System.Text.Json.JsonDocument.Parse((byte[])r[0]).RootElement.GetProperty("fact").GetProperty("count").GetInt32());
        return counts;
    }

    private static long Total(Dictionary<string, long> rows) => rows.Values.Sum();

    /// <summary>Every reply line until the server closes the connection.</summary>
    private static async Task<List<string>> RepliesUntilClosedAsync(RawClient raw)
    {
        var replies = new List<string>();
        try
        {
            while (await raw.ReadLineAsync() is { } line) replies.Add(line);
        }
        catch (IOException) { }
        return replies;
    }

    private async Task<List<string>> FloodSmtpAsync(System.Net.IPAddress from, int refusals)
    {
        await using var raw = await RawClient.ConnectAsync(from, _server.SmtpPort);
        await raw.ReadReplyAsync();
        await raw.SmtpCommandAsync("EHLO flood.test");
        await raw.SmtpCommandAsync("MAIL FROM:<flood@flood.test>");
        await raw.SendAsync(string.Concat(Enumerable.Range(0, refusals).Select(i => $"RCPT TO:<victim{i}@remote.example>\r\n")));
        return await RepliesUntilClosedAsync(raw);
    }

    [Fact]
    public async Task Three_hundred_pipelined_relay_refusals_end_the_connection_at_twenty_and_leave_two_audit_rows()
    {
        var before = await AuditRowsAsync();
        var replies = await FloodSmtpAsync(TestServer.Outside, 300);
        // The server closes with the rest of the flood unread, so the client may lose the last replies to a reset.
        Assert.InRange(replies.Count, 1, 20);
        Assert.All(replies.Take(19), r => Assert.StartsWith("554 5.7.1", r));
        if (replies.Count == 20) Assert.StartsWith("421 4.7.0", replies[^1]);

        await Eventually.AssertAsync(async () => Total(await AuditRowsAsync()) - Total(before) == 2, "one relay-refused and one relay-refused-repeated row", TimeSpan.FromSeconds(60));
        var after = await AuditRowsAsync();
        Assert.Equal(1, after.GetValueOrDefault("relay-refused.v1") - before.GetValueOrDefault("relay-refused.v1"));
        Assert.Equal(1, after.GetValueOrDefault("relay-refused-repeated.v1") - before.GetValueOrDefault("relay-refused-repeated.v1"));
        Assert.Equal(19, (await RepeatCountsAsync("relay-refused-repeated.v1"))[^1]); // 20 refusals: the first and 19 repeats
    }

    [Fact]
    public async Task Three_hundred_pipelined_clear_text_user_commands_from_outside_end_the_connection_at_twenty()
    {
        var before = await AuditRowsAsync();
        await using var raw = await RawClient.ConnectAsync(TestServer.Outside, _server.Pop3Port);
        await raw.ReadLineAsync();
        await raw.SendAsync(string.Concat(Enumerable.Range(0, 300).Select(i => (i % 2 == 0 ? "CAPA\r\n" : "") + $"USER victim{i}\r\n")));
        var replies = await RepliesUntilClosedAsync(raw);
        Assert.InRange(replies.Count(r => r.StartsWith("-ERR [AUTH]")), 1, 20);
        await Eventually.AssertAsync(async () => Total(await AuditRowsAsync()) - Total(before) == 2, "one policy-refused and one policy-refused-repeated row", TimeSpan.FromSeconds(60));
        Assert.Equal(19, (await RepeatCountsAsync("policy-refused-repeated.v1"))[^1]);
    }

    [Fact]
    public async Task A_flood_of_refusals_from_many_connections_grows_the_journal_by_at_most_two_rows_per_connection()
    {
        const int connections = 100, refusalsEach = 300;
        var before = Total(await AuditRowsAsync());
        var clock = Stopwatch.StartNew();
        var floods = Enumerable.Range(0, connections)
            .Select(i => FloodSmtpAsync(System.Net.IPAddress.Parse($"127.0.5.{1 + i % 200}"), refusalsEach));
        var answered = (await Task.WhenAll(floods)).Sum(r => r.Count);
        var took = clock.Elapsed;
        await Eventually.AssertAsync(async () => Total(await AuditRowsAsync()) - before >= 2 * connections, "the flood's rows are written", TimeSpan.FromSeconds(60));
        var grown = Total(await AuditRowsAsync()) - before;
        output.WriteLine($"{connections} connections x {refusalsEach} pipelined refused RCPTs in {took.TotalSeconds:F1} s: " +
                         $"{answered} replies, journal +{grown} rows (was +{connections * refusalsEach} before issue 12)");
        Assert.Equal(2 * connections, grown);
        Assert.InRange(answered, connections, 20 * connections);
        Assert.All((await RepeatCountsAsync("relay-refused-repeated.v1")).TakeLast(connections), count => Assert.Equal(19, count));
    }
}
