using Microsoft.Data.Sqlite;
using static MailActors.Storage.SqliteCommands;

namespace MailActors.Storage;

/// <summary>
/// The embedded store: one SQLite file in WAL mode (docs/spec.md §9). Every method opens a pooled
/// connection, so the store is safe to use from any thread.
/// </summary>
public sealed class SqliteStore : IAccountStore, IMessageStore, IDisposable
{
    private readonly string _connectionString;

    // The reads of every login and every RETR, kept prepared.
    private readonly PreparedReader _bodyReader, _accountReader, _listReader, _versionReader;

    private SqliteStore(string connectionString)
    {
        _connectionString = connectionString;
        _bodyReader = new PreparedReader(Connect, "SELECT body FROM messages WHERE account = $account AND id = $id", "$account", "$id");
        _accountReader = new PreparedReader(Connect, "SELECT name, password_hash, apop_secret, created_utc, state FROM accounts WHERE name = $name", "$name");
        _listReader = new PreparedReader(Connect, "SELECT id, uidl, size FROM messages WHERE account = $account ORDER BY id", "$account");
        _versionReader = new PreparedReader(Connect, "SELECT count(*), coalesce(max(id), 0) FROM messages WHERE account = $account", "$account");
    }

    public static string DatabasePath(string dataDir) => Path.Combine(dataDir, "mailactors.db");

    /// <summary>Opens (creating or migrating as needed) the store at <paramref name="path"/>.</summary>
    public static SqliteStore Open(string path)
    {
        // docs/spec.md §15: the folder 0700 and the file 0600 from the start (SQLite gives its -wal and -shm the file's mode)
        Files.PrivateFiles.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        if (!File.Exists(path)) Files.PrivateFiles.Write(path, ReadOnlySpan<byte>.Empty);
        var cs = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        var store = new SqliteStore(cs);
        using var connection = store.Connect();
        SqliteSchema.Migrate(connection);
        return store;
    }

    public SqliteConnection Connect()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();   // synchronous = FULL is SQLite's default: a commit is on disk when it returns
        // The audit journal writes to the same file. Without a busy timeout a writer that finds the file locked is
        // retried by Microsoft.Data.Sqlite after 150 ms; SQLite's own handler retries within milliseconds.
        using var busy = connection.CreateCommand();
        busy.CommandText = "PRAGMA busy_timeout = 30000;";
        busy.ExecuteNonQuery();
        return connection;
    }

    public Task<StoredAccount?> FindAccountAsync(string name, CancellationToken ct = default) =>
        Synchronously(() => _accountReader.Run(cmd =>
        {
            cmd.Parameters["$name"].Value = name;
            using var r = cmd.ExecuteReader();
            return r.Read() ? ReadAccount(r) : null;
        }));

    public async Task<IReadOnlyList<StoredAccount>> ListAccountsAsync(CancellationToken ct = default)
    {
        await using var c = Connect();
        await using var cmd = Command(c, "SELECT name, password_hash, apop_secret, created_utc, state FROM accounts ORDER BY name");
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<StoredAccount>();
        while (await r.ReadAsync(ct)) list.Add(ReadAccount(r));
        return list;
    }

    public async Task<bool> AddAccountAsync(string name, string passwordHash, CancellationToken ct = default)
    {
        await using var c = Connect();
        await using var cmd = Command(c,
            "INSERT INTO accounts (name, password_hash, created_utc, updated_utc) VALUES ($name, $hash, $now, $now) ON CONFLICT(name) DO NOTHING",
            ("$name", name), ("$hash", passwordHash), ("$now", Now()));
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task<bool> SetPasswordHashAsync(string name, string passwordHash, CancellationToken ct = default)
    {
        await using var c = Connect();
        await using var cmd = Command(c, "UPDATE accounts SET password_hash = $hash, updated_utc = $now WHERE name = $name",
            ("$name", name), ("$hash", passwordHash), ("$now", Now()));
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task<bool> SetApopSecretAsync(string name, byte[] sealedSecret, CancellationToken ct = default)
    {
        await using var c = Connect();
        await using var cmd = Command(c, "UPDATE accounts SET apop_secret = $secret, updated_utc = $now WHERE name = $name",
            ("$name", name), ("$secret", sealedSecret), ("$now", Now()));
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task<bool> SetStateAsync(string name, AccountState state, CancellationToken ct = default)
    {
        await using var c = Connect();
        await using var cmd = Command(c, "UPDATE accounts SET state = $state, updated_utc = $now WHERE name = $name",
            ("$name", name), ("$state", AccountStates.Name(state)), ("$now", Now()));
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task<bool> DeleteAccountAsync(string name, CancellationToken ct = default)
    {
        await using var c = Connect();
        await using var tx = c.BeginTransaction();
        await using (var mail = Command(c, "DELETE FROM messages WHERE account = $name", ("$name", name)))
        {
            mail.Transaction = tx;
            await mail.ExecuteNonQueryAsync(ct);
        }
        await using var cmd = Command(c, "DELETE FROM accounts WHERE name = $name", ("$name", name));
        cmd.Transaction = tx;
        var deleted = await cmd.ExecuteNonQueryAsync(ct) == 1;
        await tx.CommitAsync(ct);
        return deleted;
    }

    /// <summary>An administrator's delivery (<c>mailactors deliver</c>): counted in the mailbox's usage, not refused for quota.</summary>
    public async Task<StoredMessageInfo> DeliverAsync(string account, ReadOnlyMemory<byte> message, string? envelopeFrom, CancellationToken ct = default)
    {
        await using var c = Connect();
        await using var tx = c.BeginTransaction();
        var uidl = Uidl.New();
        await using var cmd = Command(c,
            "INSERT INTO messages (account, uidl, size, received_utc, envelope_from, body) VALUES ($account, $uidl, $size, $now, $from, $body) RETURNING id",
            ("$account", account), ("$uidl", uidl), ("$size", message.Length), ("$now", Now()),
            ("$from", (object?)envelopeFrom ?? DBNull.Value), ("$body", message.ToArray()));
        cmd.Transaction = tx;
        var id = (long)(await cmd.ExecuteScalarAsync(ct))!;
        await using var count = SqliteUsage.Add(c, account, message.Length);
        count.Transaction = tx;
        await count.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
        return new StoredMessageInfo(id, uidl, message.Length);
    }

    public Task<IReadOnlyList<StoredMessageInfo>> ListMessagesAsync(string account, CancellationToken ct = default) =>
        Synchronously<IReadOnlyList<StoredMessageInfo>>(() => _listReader.Run(cmd =>
        {
            cmd.Parameters["$account"].Value = account;
            using var r = cmd.ExecuteReader();
            var list = new List<StoredMessageInfo>();
            while (r.Read()) list.Add(new StoredMessageInfo(r.GetInt64(0), r.GetString(1), r.GetInt64(2)));
            return list;
        }));

    public Task<MaildropVersion> VersionAsync(string account, CancellationToken ct = default) =>
        Synchronously(() => _versionReader.Run(cmd =>
        {
            cmd.Parameters["$account"].Value = account;
            using var r = cmd.ExecuteReader();
            r.Read();
            return new MaildropVersion(r.GetInt64(0), r.GetInt64(1));
        }));

    public Task<byte[]?> ReadMessageAsync(string account, long id, CancellationToken ct = default) =>
        Synchronously(() => _bodyReader.Run(cmd =>
        {
            cmd.Parameters["$account"].Value = account;
            cmd.Parameters["$id"].Value = id;
            return cmd.ExecuteScalar() as byte[];
        }));

    public async Task DeleteMessagesAsync(string account, IReadOnlyCollection<long> ids, CancellationToken ct = default)
    {
        if (ids.Count == 0) return;
        await using var c = Connect();
        await using var tx = c.BeginTransaction();
        await using var cmd = Command(c, "DELETE FROM messages WHERE account = $account AND id = $id RETURNING size", ("$account", account));
        cmd.Transaction = tx;
        var idParameter = cmd.Parameters.Add("$id", SqliteType.Integer);
        var (bytes, messages) = (0L, 0L);
        foreach (var id in ids)
        {
            idParameter.Value = id;
            if (await cmd.ExecuteScalarAsync(ct) is not long size) continue;
            bytes += size;
            messages++;
        }
        await using var count = SqliteUsage.Remove(c, account, bytes, messages);
        count.Transaction = tx;
        await count.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
    }

    public void Dispose()
    {
        _bodyReader.Dispose();
        _accountReader.Dispose();
        _listReader.Dispose();
        _versionReader.Dispose();
    }

    private static StoredAccount ReadAccount(SqliteDataReader r) => new(
        r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : (byte[])r[2],
        DateTime.Parse(r.GetString(3), null, System.Globalization.DateTimeStyles.RoundtripKind), AccountStates.Parse(r.GetString(4)));

    private static string Now() => DateTime.UtcNow.ToString("O");
}
