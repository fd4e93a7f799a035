using Npgsql;
using NpgsqlTypes;

namespace MailActors.Storage;

/// <summary>
/// The cluster store: accounts and messages on PostgreSQL (docs/spec.md §9), same schema and meaning as
/// <see cref="SqliteStore"/>. Every method takes a pooled connection from one data source, so the store is
/// safe to use from any thread; Npgsql's automatic preparation keeps the hot reads (login, LIST, RETR) prepared.
/// </summary>
public sealed class PostgresStore : IAccountStore, IMessageStore, IDisposable
{
    public NpgsqlDataSource DataSource { get; }

    private PostgresStore(NpgsqlDataSource dataSource) => DataSource = dataSource;

    /// <summary>
    /// Connects, creates or migrates the schema, and returns the store. Throws <see cref="ArgumentException"/>
    /// for a malformed connection string and <see cref="NpgsqlException"/> when the database cannot be reached.
    /// </summary>
    public static async Task<PostgresStore> OpenAsync(string connectionString, CancellationToken ct = default)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.MaxAutoPrepare == 0) builder.MaxAutoPrepare = 32;
        var dataSource = NpgsqlDataSource.Create(builder);
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(ct);
            await PostgresSchema.MigrateAsync(connection, ct);
            return new PostgresStore(dataSource);
        }
        catch
        {
            await dataSource.DisposeAsync();
            throw;
        }
    }

    public async Task<StoredAccount?> FindAccountAsync(string name, CancellationToken ct = default)
    {
        await using var cmd = DataSource.CreateCommand("SELECT name, password_hash, apop_secret, created_utc, state FROM accounts WHERE name = $1");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? ReadAccount(r) : null;
    }

    public async Task<IReadOnlyList<StoredAccount>> ListAccountsAsync(CancellationToken ct = default)
    {
        await using var cmd = DataSource.CreateCommand("SELECT name, password_hash, apop_secret, created_utc, state FROM accounts ORDER BY name");
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<StoredAccount>();
        while (await r.ReadAsync(ct)) list.Add(ReadAccount(r));
        return list;
    }

    public async Task<bool> AddAccountAsync(string name, string passwordHash, CancellationToken ct = default)
    {
        await using var cmd = Command(
            "INSERT INTO accounts (name, password_hash, created_utc, updated_utc) VALUES ($1, $2, $3, $3) ON CONFLICT (name) DO NOTHING",
            name, passwordHash, DateTime.UtcNow);
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task<bool> SetPasswordHashAsync(string name, string passwordHash, CancellationToken ct = default)
    {
        await using var cmd = Command("UPDATE accounts SET password_hash = $2, updated_utc = $3 WHERE name = $1", name, passwordHash, DateTime.UtcNow);
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task<bool> SetApopSecretAsync(string name, byte[] sealedSecret, CancellationToken ct = default)
    {
        await using var cmd = Command("UPDATE accounts SET apop_secret = $2, updated_utc = $3 WHERE name = $1", name, sealedSecret, DateTime.UtcNow);
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task<bool> SetStateAsync(string name, AccountState state, CancellationToken ct = default)
    {
        await using var cmd = Command("UPDATE accounts SET state = $2, updated_utc = $3 WHERE name = $1", name, AccountStates.Name(state), DateTime.UtcNow);
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task<bool> DeleteAccountAsync(string name, CancellationToken ct = default)
    {
        await using var c = await DataSource.OpenConnectionAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        await using (var mail = new NpgsqlCommand("DELETE FROM messages WHERE account = $1", c, tx) { Parameters = { new() { Value = name } } })
            await mail.ExecuteNonQueryAsync(ct);
        await using var cmd = new NpgsqlCommand("DELETE FROM accounts WHERE name = $1", c, tx) { Parameters = { new() { Value = name } } };
        var deleted = await cmd.ExecuteNonQueryAsync(ct) == 1;
        await tx.CommitAsync(ct);
        return deleted;
    }

    /// <summary>An administrator's delivery (<c>mailactors deliver</c>): counted in the mailbox's usage, not refused for quota.</summary>
    public async Task<StoredMessageInfo> DeliverAsync(string account, ReadOnlyMemory<byte> message, string? envelopeFrom, CancellationToken ct = default)
    {
        var uidl = Uidl.New();
        await using var c = await DataSource.OpenConnectionAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        await using var batch = new NpgsqlBatch(c, tx);
        var insert = new NpgsqlBatchCommand(
            "INSERT INTO messages (account, uidl, size, received_utc, envelope_from, body) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id");
        foreach (var v in new object?[] { account, uidl, (long)message.Length, DateTime.UtcNow, envelopeFrom, message.ToArray() })
            insert.Parameters.Add(Parameter(v));
        batch.BatchCommands.Add(insert);
        batch.BatchCommands.Add(PostgresUsage.Add(account, message.Length));
        var id = (long)(await batch.ExecuteScalarAsync(ct))!;
        await tx.CommitAsync(ct);
        return new StoredMessageInfo(id, uidl, message.Length);
    }

    public async Task<IReadOnlyList<StoredMessageInfo>> ListMessagesAsync(string account, CancellationToken ct = default)
    {
        await using var cmd = Command("SELECT id, uidl, size FROM messages WHERE account = $1 ORDER BY id", account);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<StoredMessageInfo>();
        while (await r.ReadAsync(ct)) list.Add(new StoredMessageInfo(r.GetInt64(0), r.GetString(1), r.GetInt64(2)));
        return list;
    }

    public async Task<MaildropVersion> VersionAsync(string account, CancellationToken ct = default)
    {
        await using var cmd = Command("SELECT count(*), coalesce(max(id), 0) FROM messages WHERE account = $1", account);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return new MaildropVersion(r.GetInt64(0), r.GetInt64(1));
    }

    public async Task<byte[]?> ReadMessageAsync(string account, long id, CancellationToken ct = default)
    {
        await using var cmd = Command("SELECT body FROM messages WHERE account = $1 AND id = $2", account, id);
        return await cmd.ExecuteScalarAsync(ct) as byte[];
    }

    public async Task DeleteMessagesAsync(string account, IReadOnlyCollection<long> ids, CancellationToken ct = default)
    {
        if (ids.Count == 0) return;
        await using var c = await DataSource.OpenConnectionAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        var (bytes, messages) = (0L, 0L);
        await using var delete = new NpgsqlCommand("DELETE FROM messages WHERE account = $1 AND id = ANY($2) RETURNING size", c, tx)
        {
            Parameters = { new() { Value = account }, new() { Value = ids.ToArray() } },
        };
        await using (var r = await delete.ExecuteReaderAsync(ct))
        {
            while (await r.ReadAsync(ct))
            {
                bytes += r.GetInt64(0);
                messages++;
            }
        }
        await using var batch = new NpgsqlBatch(c, tx) { BatchCommands = { PostgresUsage.Remove(account, bytes, messages) } };
        await batch.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
    }

    public void Dispose() => DataSource.Dispose();

    private NpgsqlCommand Command(string sql, params object?[] values)
    {
        var cmd = DataSource.CreateCommand(sql);
        foreach (var v in values) cmd.Parameters.Add(Parameter(v));
        return cmd;
    }

    private static NpgsqlParameter Parameter(object? v) =>
        v is null ? new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = DBNull.Value } : new NpgsqlParameter { Value = v };

    private static StoredAccount ReadAccount(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetFieldValue<byte[]>(2), r.GetFieldValue<DateTime>(3),
        AccountStates.Parse(r.GetString(4)));
}
