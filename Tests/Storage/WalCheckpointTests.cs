using MailActors.Storage;
using MailActors.Tests.Support;
using Microsoft.Data.Sqlite;

namespace MailActors.Tests.Storage;

/// <summary>
/// <see cref="WalCheckpointer"/> copies the intake's write-ahead log into the database file on its own thread, so that
/// SQLite's automatic checkpoint, run by a commit once the log passes 1,000 pages, finds little left to copy.
/// </summary>
public sealed class WalCheckpointTests : IDisposable
{
    private const int Messages = 250, Octets = 8 * 1024; // 2 MB: about 600 pages, short of SQLite's own checkpoint
    private readonly string _dir = Directory.CreateTempSubdirectory("mailactors-wal-").FullName;

    private string Database => Path.Combine(_dir, "mailactors.db");

    private static IncomingMessage Relayed(int i) =>
        new($"Q{i}", null, "sender@example.test", [], [], ["someone@remote.test"], new byte[Octets], "127.0.0.2", "alice");

    /// <summary>Accepts the mail, then gives its copy into the database file up to <paramref name="wait"/>: the
    /// octets the database file grew by.</summary>
    private async Task<long> OctetsCopiedIntoTheDatabase(long checkpointEvery, TimeSpan wait)
    {
        using var store = SqliteStore.Open(Database);
        using var intake = new SqliteIntake(store.Connect, checkpointEvery: checkpointEvery);
        var before = new FileInfo(Database).Length;
        await Task.WhenAll(Enumerable.Range(0, Messages).Select(i => intake.AcceptAsync(Relayed(i))));
        Assert.True(new FileInfo(Database + "-wal").Length > Messages * Octets, "the mail is in the log");

        var deadline = DateTime.UtcNow + wait;
        long copied;
        while ((copied = new FileInfo(Database).Length - before) < Messages * Octets / 2 && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        return copied;
    }

    [Fact]
    public async Task The_checkpointer_copies_the_log_into_the_database_before_a_commit_has_to()
    {
        Assert.True(await OctetsCopiedIntoTheDatabase(checkpointEvery: 512 * 1024, TimeSpan.FromSeconds(10)) >= Messages * Octets / 2);
    }

    [Fact]
    public async Task Without_a_checkpoint_due_the_log_waits_for_sqlites_own_at_1000_pages()
    {
        // The control: the same mail and nothing copied, so the test above measures the checkpointer.
        Assert.True(await OctetsCopiedIntoTheDatabase(checkpointEvery: long.MaxValue, TimeSpan.FromSeconds(1)) < Messages * Octets / 2);
    }

    [Fact]
    public void After_it_is_disposed_a_commits_report_is_ignored_and_a_second_dispose_is_harmless()
    {
        using var store = SqliteStore.Open(Database);
        var checkpointer = new WalCheckpointer(store.Connect, every: 1);
        checkpointer.Dispose();

        // Written runs after a commit: if it threw, the committer would take the batch for unwritten and store it again.
        checkpointer.Written(10);
        checkpointer.Dispose();
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
