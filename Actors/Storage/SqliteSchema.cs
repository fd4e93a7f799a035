using Microsoft.Data.Sqlite;

namespace MailActors.Storage;

/// <summary>Numbered, idempotent migrations, applied at start in one transaction each (docs/spec.md §9).</summary>
public static class SqliteSchema
{
    private static readonly string[] Migrations =
    [
        // 1: accounts and messages
        """
        CREATE TABLE accounts (
            name          TEXT PRIMARY KEY,
            password_hash TEXT NOT NULL,
            apop_secret   BLOB,
            created_utc   TEXT NOT NULL,
            updated_utc   TEXT NOT NULL
        );
        CREATE TABLE messages (
            id            INTEGER PRIMARY KEY AUTOINCREMENT,
            account       TEXT NOT NULL,
            uidl          TEXT NOT NULL UNIQUE,
            size          INTEGER NOT NULL,
            received_utc  TEXT NOT NULL,
            envelope_from TEXT,
            body          BLOB NOT NULL
        );
        CREATE INDEX ix_messages_account ON messages (account, id);
        """,
        // 2: the outbound queue: a message once, a row per relayed recipient
        """
        CREATE TABLE outbound_messages (
            id             INTEGER PRIMARY KEY AUTOINCREMENT,
            queue_id       TEXT NOT NULL UNIQUE,
            message_id     TEXT,
            envelope_from  TEXT NOT NULL,
            client_address TEXT NOT NULL,
            relay_account  TEXT,
            created_utc    TEXT NOT NULL,
            body           BLOB NOT NULL
        );
        CREATE TABLE outbound_recipients (
            id               INTEGER PRIMARY KEY AUTOINCREMENT,
            message          INTEGER NOT NULL REFERENCES outbound_messages (id),
            recipient        TEXT NOT NULL,
            attempts         INTEGER NOT NULL DEFAULT 0,
            next_attempt_utc TEXT NOT NULL,
            last_error       TEXT
        );
        CREATE INDEX ix_outbound_due ON outbound_recipients (next_attempt_utc);
        """,
        // 3: delivery leases: a claimed recipient belongs to owner_node until lease_until, then any node may take it
        """
        ALTER TABLE outbound_recipients ADD COLUMN owner_node TEXT;
        ALTER TABLE outbound_recipients ADD COLUMN lease_until TEXT;
        CREATE INDEX ix_outbound_recipients_message ON outbound_recipients (message);
        """,
        // 4: account states (docs/spec.md §4): a disabled account keeps its mail but cannot log in or receive
        """
        ALTER TABLE accounts ADD COLUMN state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'disabled'));
        """,
        // 5: mailboxes (docs/spec.md §4): UIDLs unique per mailbox, not overall, since imported Dovecot UIDLs repeat across
        // mailboxes; import_key names an imported message's source, so re-running an import adds nothing twice; quotas with
        // usage counters kept in the same transaction as every insert and delete; aliases, one row per target, in order.
        // SQLite cannot drop an inline UNIQUE, so messages is rebuilt, keeping its AUTOINCREMENT high-water mark.
        """
        CREATE TABLE messages_v5 (
            id            INTEGER PRIMARY KEY AUTOINCREMENT,
            account       TEXT NOT NULL,
            uidl          TEXT NOT NULL,
            size          INTEGER NOT NULL,
            received_utc  TEXT NOT NULL,
            envelope_from TEXT,
            body          BLOB NOT NULL,
            import_key    TEXT,
            UNIQUE (account, uidl),
            UNIQUE (account, import_key)
        );
        INSERT INTO messages_v5 (id, account, uidl, size, received_utc, envelope_from, body)
            SELECT id, account, uidl, size, received_utc, envelope_from, body FROM messages;
        INSERT INTO sqlite_sequence (name, seq) SELECT 'messages_v5', seq FROM sqlite_sequence WHERE name = 'messages'
            AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'messages_v5');
        UPDATE sqlite_sequence SET seq = MAX(seq, COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'messages'), 0)) WHERE name = 'messages_v5';
        DROP TABLE messages;
        ALTER TABLE messages_v5 RENAME TO messages;
        CREATE INDEX ix_messages_account ON messages (account, id);
        ALTER TABLE accounts ADD COLUMN quota_bytes INTEGER;
        ALTER TABLE accounts ADD COLUMN quota_messages INTEGER;
        ALTER TABLE accounts ADD COLUMN used_bytes INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE accounts ADD COLUMN used_messages INTEGER NOT NULL DEFAULT 0;
        UPDATE accounts SET
            used_bytes = (SELECT COALESCE(SUM(size), 0) FROM messages m WHERE m.account = accounts.name),
            used_messages = (SELECT COUNT(*) FROM messages m WHERE m.account = accounts.name);
        CREATE TABLE aliases (
            address  TEXT NOT NULL,
            position INTEGER NOT NULL,
            target   TEXT NOT NULL,
            PRIMARY KEY (address, position)
        );
        """,
    ];

    public static void Migrate(SqliteConnection connection) => Migrate(connection, Migrations.Length);

    /// <summary>Applies the migrations up to <paramref name="version"/>: a database as an older release left it.</summary>
    public static void Migrate(SqliteConnection connection, int version)
    {
        Execute(connection, null, "PRAGMA journal_mode = WAL;");
        Execute(connection, null, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);");
        using var tx = connection.BeginTransaction(deferred: false);
        var current = Convert.ToInt32(Scalar(connection, tx, "SELECT COALESCE(MAX(version), 0) FROM schema_version"));
        for (var next = current + 1; next <= version; next++)
        {
            Execute(connection, tx, Migrations[next - 1]);
            Execute(connection, tx, $"INSERT INTO schema_version (version) VALUES ({next});");
        }
        MoveJournalTagsIntoRows(connection, tx);
        tx.Commit();
    }

    /// <summary>
    /// The journal keeps a fact's tags in its own row (<c>tag-write-mode = Csv</c> in hocon/akka.conf: one insert per
    /// batch of facts instead of one per fact). A journal an earlier release created has no <c>tags</c> column and a
    /// row per tag in a <c>tags</c> table: they move into the journal, as the plugin writes them (";a;b;"), at every
    /// start while that table exists. It is left in place, empty, for a node of the earlier release that still writes
    /// there during a rolling upgrade (docs/spec.md §9). A new database has no journal yet: the plugin creates it at
    /// its first write, with the column.
    /// </summary>
    private static void MoveJournalTagsIntoRows(SqliteConnection connection, SqliteTransaction tx)
    {
        if (!TableExists(connection, tx, "journal")) return;
        if (Convert.ToInt64(Scalar(connection, tx, "SELECT COUNT(*) FROM pragma_table_info('journal') WHERE name = 'tags'")) == 0)
            Execute(connection, tx, "ALTER TABLE journal ADD COLUMN tags TEXT;");
        if (!TableExists(connection, tx, "tags")) return;
        Execute(connection, tx, """
            UPDATE journal SET tags = (SELECT ';' || group_concat(tag, ';') || ';' FROM tags WHERE tags.ordering_id = journal.ordering)
             WHERE ordering IN (SELECT ordering_id FROM tags) AND (tags IS NULL OR tags = '');
            DELETE FROM tags; -- nothing can be added meanwhile: the migration holds SQLite's write lock
            """);
    }

    private static bool TableExists(SqliteConnection connection, SqliteTransaction tx, string name) =>
        Convert.ToInt64(Scalar(connection, tx, $"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{name}'")) > 0;

    private static void Execute(SqliteConnection c, SqliteTransaction? tx, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection c, SqliteTransaction tx, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }
}
