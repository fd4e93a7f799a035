using Microsoft.Data.Sqlite;

namespace MailActors.Storage;

/// <summary>One-off SQLite commands (a hot statement is kept compiled instead: <see cref="SqlitePrepared"/>).</summary>
internal static class SqliteCommands
{
    /// <summary>A command with its parameters bound; null goes in as SQL NULL.</summary>
    public static SqliteCommand Command(SqliteConnection c, string sql, params (string Name, object? Value)[] parameters) =>
        Command(c, null, sql, parameters);

    public static SqliteCommand Command(SqliteConnection c, SqliteTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var (n, v) in parameters) cmd.Parameters.AddWithValue(n, v ?? DBNull.Value);
        return cmd;
    }

    /// <summary>SQLite reads finish at once; a failure still arrives as a faulted task, never as a throw at the call.</summary>
    public static Task<T> Synchronously<T>(Func<T> read)
    {
        try { return Task.FromResult(read()); }
        catch (Exception e) { return Task.FromException<T>(e); }
    }
}
