using MailActors.Quotas;
using Npgsql;
using NpgsqlTypes;

namespace MailActors.Storage;

/// <summary>Aliases, quotas and imports on PostgreSQL: the same meaning as <see cref="SqliteMailboxes"/>.</summary>
public sealed class PostgresMailboxes(NpgsqlDataSource dataSource) : IMailboxes
{
    public async Task<MailboxUsage?> FindMailboxAsync(string account, CancellationToken ct = default)
    {
        await using var cmd = Command($"{SelectUsage} WHERE name = $1", account);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? ReadUsage(r) : null;
    }

    public async Task<IReadOnlyList<MailboxUsage>> ListMailboxesAsync(CancellationToken ct = default)
    {
        await using var cmd = Command($"{SelectUsage} ORDER BY name");
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<MailboxUsage>();
        while (await r.ReadAsync(ct)) list.Add(ReadUsage(r));
        return list;
    }

    public async Task<bool> SetQuotaAsync(string account, long? bytes, long? messages, CancellationToken ct = default)
    {
        await using var cmd = dataSource.CreateCommand("UPDATE accounts SET quota_bytes = $2, quota_messages = $3 WHERE name = $1");
        cmd.Parameters.Add(new NpgsqlParameter { Value = account });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = (object?)bytes ?? DBNull.Value });
        cmd.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bigint, Value = (object?)messages ?? DBNull.Value });
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task<IReadOnlyList<string>?> FindAliasAsync(string address, CancellationToken ct = default)
    {
        await using var cmd = Command("SELECT target FROM aliases WHERE address = $1 ORDER BY position", address);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var targets = new List<string>();
        while (await r.ReadAsync(ct)) targets.Add(r.GetString(0));
        return targets.Count == 0 ? null : targets;
    }

    public async Task<IReadOnlyList<AliasEntry>> ListAliasesAsync(CancellationToken ct = default)
    {
        await using var cmd = Command("SELECT address, target FROM aliases ORDER BY address, position");
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<(string Address, string Target)>();
        while (await r.ReadAsync(ct)) rows.Add((r.GetString(0), r.GetString(1)));
        return rows.GroupBy(x => x.Address).Select(g => new AliasEntry(g.Key, g.Select(x => x.Target).ToList())).ToList();
    }

    public async Task SetAliasAsync(string address, IReadOnlyList<string> targets, CancellationToken ct = default)
    {
        await using var c = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        await using var batch = new NpgsqlBatch(c, tx);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM aliases WHERE address = $1") { Parameters = { new() { Value = address } } });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "INSERT INTO aliases (address, position, target) SELECT $1, t.n - 1, t.target FROM unnest($2::text[]) WITH ORDINALITY AS t (target, n)")
        {
            Parameters = { new() { Value = address }, new() { Value = targets.ToArray() } },
        });
        await batch.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
    }

    public async Task<bool> DeleteAliasAsync(string address, CancellationToken ct = default)
    {
        await using var cmd = Command("DELETE FROM aliases WHERE address = $1", address);
        return await cmd.ExecuteNonQueryAsync(ct) > 0;
    }

    public async Task<int> ImportAsync(string account, IReadOnlyList<ImportedMessage> messages, CancellationToken ct = default)
    {
        await using var c = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        var stored = 0;
        foreach (var m in messages)
        {
            await using var insert = new NpgsqlCommand(
                "INSERT INTO messages (account, uidl, size, received_utc, envelope_from, body, import_key) " +
                "VALUES ($1, $2, $3, $4, NULL, $5, $6) ON CONFLICT DO NOTHING", c, tx)
            {
                Parameters =
                {
                    new() { Value = account }, new() { Value = m.Uidl }, new() { Value = (long)m.Body.Length },
                    new() { Value = m.ReceivedUtc }, new() { Value = m.Body }, new() { Value = m.ImportKey },
                },
            };
            if (await insert.ExecuteNonQueryAsync(ct) == 0) continue;
            stored++;
            await using var count = new NpgsqlBatch(c, tx) { BatchCommands = { PostgresUsage.Add(account, m.Body.Length) } };
            await count.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        return stored;
    }

    private const string SelectUsage = "SELECT name, used_bytes, used_messages, quota_bytes, quota_messages FROM accounts";

    private static MailboxUsage ReadUsage(NpgsqlDataReader r) => new(
        r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.IsDBNull(3) ? null : r.GetInt64(3), r.IsDBNull(4) ? null : r.GetInt64(4));

    private NpgsqlCommand Command(string sql, params object[] values)
    {
        var cmd = dataSource.CreateCommand(sql);
        foreach (var v in values) cmd.Parameters.Add(new NpgsqlParameter { Value = v });
        return cmd;
    }
}
