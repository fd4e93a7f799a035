using Microsoft.Data.Sqlite;

namespace MailActors.Storage;

/// <summary>
/// A statement compiled once and run many times on one connection: Microsoft.Data.Sqlite keeps a command's compiled
/// statement until its text or connection changes, so a hot statement costs a step, not a parse and a plan (issue 16:
/// a third of the intake's SQLite time at 20 SMTP sessions was compiling its statements).
/// </summary>
internal static class SqlitePrepared
{
    public static SqliteCommand Command(SqliteConnection connection, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters) command.Parameters.Add(new SqliteParameter(name, null));
        command.Prepare();
        return command;
    }

    /// <summary>Binds the values to the parameters in the order they were named, in the transaction given.</summary>
    public static SqliteCommand Bind(this SqliteCommand command, SqliteTransaction tx, params object?[] values)
    {
        command.Transaction = tx;
        for (var i = 0; i < values.Length; i++) command.Parameters[i].Value = values[i] ?? DBNull.Value;
        return command;
    }
}
