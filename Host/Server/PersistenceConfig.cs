using Akka.Configuration;
using MailActors.Configuration;
using MailActors.Storage;

namespace MailActors.Host.Server;

/// <summary>Points the journal, snapshot store and read journal at the configured database (docs/spec.md §9).</summary>
public static class PersistenceConfig
{
    public static Config For(MailActorsSettings settings)
    {
        var (connection, provider, parallelism, autoInitialize) = settings.Storage.Provider switch
        {
            // One writer at a time is all SQLite allows, even in WAL mode.
            StorageProvider.Sqlite => ($"Data Source={SqliteDatabasePath(settings)};Default Timeout=30", "SQLite.MS", 1, "on"),
            // PostgresSchema creates the journal and snapshot tables under its migration lock: the plugin's own
            // CREATE TABLE IF NOT EXISTS fails on PostgreSQL's catalog when several nodes start at once.
            _ => (settings.Storage.ConnectionString, "PostgreSQL.15", 4, "off"),
        };
        var quoted = Quote(connection);
        return ConfigurationFactory.ParseString($$"""
            akka.persistence.journal.sql { connection-string = {{quoted}}, provider-name = "{{provider}}", parallelism = {{parallelism}}, auto-initialize = {{autoInitialize}} }
            akka.persistence.snapshot-store.sql { connection-string = {{quoted}}, provider-name = "{{provider}}", auto-initialize = {{autoInitialize}} }
            akka.persistence.query.journal.sql { connection-string = {{quoted}}, provider-name = "{{provider}}" }
            """);
    }

    public static string SqliteDatabasePath(MailActorsSettings settings) =>
        Path.GetFullPath(settings.Storage.ConnectionString.Length > 0 ? settings.Storage.ConnectionString : SqliteStore.DatabasePath(settings.DataDir));

    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
}
