using System.Data.Common;
using Akka.Actor;
using Akka.Configuration;
using MailActors.Configuration;
using MailActors.Host.Configuration;
using MailActors.Host.Server;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace MailActors.Tests.Support;

/// <summary>
/// A fresh journal database, a SQLite file in a temporary folder or a new database on the shared PostgreSQL server, with
/// local actor systems whose journal plugin writes to it as a node's would. Gone on dispose.
/// </summary>
public sealed class JournalDatabase : IAsyncDisposable
{
    public required LoadedConfig Config { get; init; }
    public MailActorsSettings Settings => Config.Settings;
    private string? _postgres;

    public static LoadedConfig Load(string hocon) => ConfigLoader.Load([], null, ConfigLoader.EmbeddedText("hocon/test.conf"), hocon);

    /// <param name="provider">SQLite or PostgreSQL.</param>
    /// <param name="withSchema">on PostgreSQL, our schema first (the journal tables are ours to create there, as at a
    /// node's start); false leaves the database empty, for a plugin that creates its own tables.</param>
    public static async Task<JournalDatabase> CreateAsync(StorageProvider provider, bool withSchema = true)
    {
        if (provider == StorageProvider.Sqlite)
            return new JournalDatabase { Config = Load($"mailactors.data-dir = \"{Directory.CreateTempSubdirectory("mailactors-journal-").FullName}\"") };
        var database = await PostgresServer.CreateDatabaseAsync();
        var config = Load($$"""mailactors.storage { provider = "postgresql", connection-string = "{{database}}" }""");
        if (withSchema) MailServices.EnsureSchema(config.Settings);
        return new JournalDatabase { Config = config, _postgres = database };
    }

    /// <summary>A local actor system whose journal plugin writes to this database; <paramref name="overrides"/> on top.</summary>
    public ActorSystem StartSystem(Config? overrides = null) =>
        ActorSystem.Create("mailactors", (overrides ?? ConfigurationFactory.Empty)
            .WithFallback(ConfigurationFactory.ParseString("akka.actor.provider = local"))
            .WithFallback(PersistenceConfig.For(Settings)).WithFallback(Config.Root));

    /// <returns>the number of rows the statement changed.</returns>
    public async Task<int> ExecuteAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var db = await OpenAsync();
        await using var command = db.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var p = command.CreateParameter();
            (p.ParameterName, p.Value) = (name, value);
            command.Parameters.Add(p);
        }
        return await command.ExecuteNonQueryAsync();
    }

    public async Task<long> CountAsync(string sql)
    {
        await using var db = await OpenAsync();
        await using var command = db.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    private async Task<DbConnection> OpenAsync()
    {
        DbConnection db = _postgres is null
            ? new SqliteConnection($"Data Source={PersistenceConfig.SqliteDatabasePath(Settings)};Pooling=false")
            : new NpgsqlConnection(_postgres);
        await db.OpenAsync();
        return db;
    }

    public async ValueTask DisposeAsync()
    {
        if (_postgres is not null) await PostgresServer.DropDatabaseAsync(_postgres);
        else Directory.Delete(Settings.DataDir, recursive: true);
    }
}
