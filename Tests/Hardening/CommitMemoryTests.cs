using MailActors.Tests.Support;
using Microsoft.Data.Sqlite;

namespace MailActors.Tests.Hardening;

/// <summary>
/// docs/spec.md §14: finished messages come whole into memory only for their commit, and only as many octets at once as
/// the node's <c>limits.commit-memory</c>. Two spooled messages end their DATA while the database is held (so the first
/// commit cannot finish): the second waits <c>limits.commit-wait</c> for the budget, then reads <c>451 4.3.2</c>; the
/// first is stored once the database is free. Without the budget both would sit in memory, waiting on the database.
/// </summary>
[Trait("Category", "Slow")]
public sealed class CommitMemoryTests : IAsyncLifetime
{
    private const int MessageOctets = 600 * 1024;
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync("mailactors.limits { commit-memory = 1MiB, commit-wait = 2s }");
        await _server.AddUserAsync("alice", "alice-pw");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    /// <summary>A client that has sent all of a 600 KiB message but its final dot.</summary>
    private async Task<RawClient> AlmostSentAsync(string subject)
    {
        var raw = await RawClient.ConnectAsync(TestServer.Inside, _server.SmtpPort);
        Assert.StartsWith("220", await raw.ReadReplyAsync());
        Assert.StartsWith("250", await raw.SmtpCommandAsync("EHLO client.test"));
        Assert.StartsWith("250", await raw.SmtpCommandAsync("MAIL FROM:<a@b.example>"));
        Assert.StartsWith("250", await raw.SmtpCommandAsync("RCPT TO:<alice@example.test>"));
        Assert.StartsWith("354", await raw.SmtpCommandAsync("DATA"));
        var line = new string('x', 998) + "\r\n";
        await raw.SendAsync($"Subject: {subject}\r\n\r\n" + string.Concat(Enumerable.Repeat(line, MessageOctets / line.Length)));
        return raw;
    }

    [Fact]
    public async Task A_commit_past_the_node_budget_waits_then_gets_451_4_3_2_while_the_first_is_stored()
    {
        await using var first = await AlmostSentAsync("first");
        await using var second = await AlmostSentAsync("second");
        var spool = Path.Combine(_server.DataDir, "spool");
        await Eventually.AssertAsync(() => Task.FromResult(Directory.GetFiles(spool).Length == 2), "both messages are spooled");

        Task<string?> firstReply, secondReply;
        await using (var db = new SqliteConnection($"Data Source={Path.Combine(_server.DataDir, "mailactors.db")};Default Timeout=30"))
        {
            await db.OpenAsync();
            await using var hold = db.BeginTransaction(deferred: false); // BEGIN IMMEDIATE: the intake cannot commit meanwhile
            firstReply = first.SmtpCommandAsync(".");
            secondReply = second.SmtpCommandAsync(".");
            var refused = await await Task.WhenAny(firstReply, secondReply);
            Assert.StartsWith("451 4.3.2", refused);
        }
        var replies = new[] { await firstReply, await secondReply };
        Assert.Single(replies, r => r!.StartsWith("250"));

        var stored = await _server.Services.Messages.ListMessagesAsync("alice");
        Assert.Single(stored);
        await Eventually.AssertAsync(() => Task.FromResult(Directory.GetFiles(spool).Length == 0), "both spool files are gone");
        var refusedClient = replies[0]!.StartsWith("451") ? first : second;
        Assert.StartsWith("250", await refusedClient.SmtpCommandAsync("NOOP")); // refused for now, not cut off
    }
}
