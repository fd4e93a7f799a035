using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace MailActors.Storage;

/// <summary>
/// A hot read (RETR's body fetch) kept prepared on a few open connections, so each read costs one
/// statement step instead of opening a connection and compiling SQL. Thread-safe: each caller takes
/// a connection of its own for the duration of the read.
/// </summary>
internal sealed class PreparedReader(Func<SqliteConnection> connect, string sql, params string[] parameters) : IDisposable
{
    private readonly ConcurrentBag<SqliteCommand> _idle = [];
    private readonly int _keep = Environment.ProcessorCount * 4;

    public T Run<T>(Func<SqliteCommand, T> read)
    {
        var command = _idle.TryTake(out var ready) ? ready : Prepare();
        try
        {
            var result = read(command);
            if (_idle.Count < _keep) _idle.Add(command);
            else Dispose(command);
            return result;
        }
        catch
        {
            Dispose(command);
            throw;
        }
    }

    private SqliteCommand Prepare() => SqlitePrepared.Command(connect(), sql, parameters);

    private static void Dispose(SqliteCommand command)
    {
        var connection = command.Connection;
        command.Dispose();
        connection?.Dispose();
    }

    public void Dispose()
    {
        while (_idle.TryTake(out var command)) Dispose(command);
    }
}
