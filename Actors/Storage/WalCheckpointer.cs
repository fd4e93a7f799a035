using Microsoft.Data.Sqlite;

namespace MailActors.Storage;

/// <summary>
/// Copies SQLite's write-ahead log into the database file on a thread of its own, ahead of SQLite's automatic
/// checkpoint. That one runs inside whichever commit takes the log past 1,000 pages: on the intake's commit thread it
/// wrote and synced 4 MB while every session whose message waited on that commit waited too (issue 16,
/// bench/README.md). Told how much the intake wrote, this runs a passive checkpoint every <c>every</c> octets, beside
/// the commits, so the automatic one finds little left to copy. It stays SQLite's: it alone can restart the log, since
/// that needs a checkpoint that no commit overtakes, and it stands in if one here fails.
/// </summary>
public sealed class WalCheckpointer : IDisposable
{
    /// <summary>A quarter of SQLite's own interval (1,000 pages of 4 KiB).</summary>
    public const long DefaultEvery = 1024 * 1024;

    private readonly Func<SqliteConnection> _connect;
    private readonly long _every;
    private readonly AutoResetEvent _due = new(false);
    private readonly Thread _thread;
    private long _written; // by the one thread that calls Written
    private int _stopping; // 1 once Dispose began

    public WalCheckpointer(Func<SqliteConnection> connect, long every = DefaultEvery)
    {
        _connect = connect;
        _every = every;
        _thread = new Thread(Run) { IsBackground = true, Name = "sqlite-checkpoint" };
        _thread.Start();
    }

    /// <summary>A commit wrote about <paramref name="octets"/> to the log. Called from one thread only; never throws, since
    /// it runs after a commit that nothing may undo.</summary>
    public void Written(long octets)
    {
        if (Volatile.Read(ref _stopping) != 0) return;
        _written += octets;
        if (_written < _every) return;
        _written = 0;
        try { _due.Set(); }
        catch (ObjectDisposedException) { } // disposed meanwhile: no more checkpoints are due
    }

    private void Run()
    {
        SqliteConnection? connection = null;
        while (true)
        {
            _due.WaitOne();
            if (Volatile.Read(ref _stopping) != 0) break;
            try
            {
                connection ??= _connect();
                using var checkpoint = connection.CreateCommand();
                checkpoint.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
                checkpoint.ExecuteNonQuery();
            }
            catch (Exception)
            {
                // Whatever failed (the file, the connection), the next one tries again on a fresh connection; an
                // exception out of this thread would end the server, and SQLite's own checkpoint stands in meanwhile.
                connection?.Dispose();
                connection = null;
            }
        }
        connection?.Dispose();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _stopping, 1) != 0) return;
        _due.Set();
        // A thread still in a checkpoint after that keeps its event: disposing it would fail its next wait.
        if (_thread.Join(TimeSpan.FromSeconds(30))) _due.Dispose();
    }
}
