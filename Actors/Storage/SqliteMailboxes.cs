using MailActors.Quotas;
using Microsoft.Data.Sqlite;
using static MailActors.Storage.SqliteCommands;

namespace MailActors.Storage;

/// <summary>Aliases, quotas and imports on SQLite.</summary>
public sealed class SqliteMailboxes(Func<SqliteConnection> connect) : IMailboxes, IDisposable
{
    // The lookups of every RCPT, kept prepared.
    private readonly PreparedReader _mailboxReader = new(connect, $"{SelectUsage} WHERE name = $name", "$name");
    private readonly PreparedReader _aliasReader = new(connect, "SELECT target FROM aliases WHERE address = $address ORDER BY position", "$address");

    public Task<MailboxUsage?> FindMailboxAsync(string account, CancellationToken ct = default) =>
        Synchronously(() => _mailboxReader.Run(cmd =>
        {
            cmd.Parameters["$name"].Value = account;
            using var r = cmd.ExecuteReader();
            return r.Read() ? ReadUsage(r) : null;
        }));

    public async Task<IReadOnlyList<MailboxUsage>> ListMailboxesAsync(CancellationToken ct = default)
    {
        await using var c = connect();
        await using var cmd = Command(c, $"{SelectUsage} ORDER BY name");
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<MailboxUsage>();
        while (await r.ReadAsync(ct)) list.Add(ReadUsage(r));
        return list;
    }

    public async Task<bool> SetQuotaAsync(string account, long? bytes, long? messages, CancellationToken ct = default)
    {
        await using var c = connect();
        await using var cmd = Command(c, "UPDATE accounts SET quota_bytes = $bytes, quota_messages = $messages WHERE name = $name",
            ("$name", account), ("$bytes", bytes), ("$messages", messages));
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    public Task<IReadOnlyList<string>?> FindAliasAsync(string address, CancellationToken ct = default) =>
        Synchronously<IReadOnlyList<string>?>(() => _aliasReader.Run(cmd =>
        {
            cmd.Parameters["$address"].Value = address;
            using var r = cmd.ExecuteReader();
            var targets = new List<string>();
            while (r.Read()) targets.Add(r.GetString(0));
            return targets.Count == 0 ? null : targets;
        }));

    public async Task<IReadOnlyList<AliasEntry>> ListAliasesAsync(CancellationToken ct = default)
    {
        await using var c = connect();
        await using var cmd = Command(c, "SELECT address, target FROM aliases ORDER BY address, position");
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var rows = new List<(string Address, string Target)>();
        while (await r.ReadAsync(ct)) rows.Add((r.GetString(0), r.GetString(1)));
        return rows.GroupBy(x => x.Address).Select(g => new AliasEntry(g.Key, g.Select(x => x.Target).ToList())).ToList();
    }

    public async Task SetAliasAsync(string address, IReadOnlyList<string> targets, CancellationToken ct = default)
    {
        await using var c = connect();
        await using var tx = c.BeginTransaction();
        await using (var clear = Command(c, "DELETE FROM aliases WHERE address = $address", ("$address", address)))
        {
            clear.Transaction = tx;
            await clear.ExecuteNonQueryAsync(ct);
        }
        for (var i = 0; i < targets.Count; i++)
        {
            await using var insert = Command(c, "INSERT INTO aliases (address, position, target) VALUES ($address, $position, $target)",
                ("$address", address), ("$position", i), ("$target", targets[i]));
            insert.Transaction = tx;
            await insert.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
    }

    public async Task<bool> DeleteAliasAsync(string address, CancellationToken ct = default)
    {
        await using var c = connect();
        await using var cmd = Command(c, "DELETE FROM aliases WHERE address = $address", ("$address", address));
        return await cmd.ExecuteNonQueryAsync(ct) > 0;
    }

    public async Task<int> ImportAsync(string account, IReadOnlyList<ImportedMessage> messages, CancellationToken ct = default)
    {
        await using var c = connect();
        await using var tx = c.BeginTransaction(deferred: false);
        var stored = 0;
        foreach (var m in messages)
        {
            await using var insert = Command(c,
                "INSERT INTO messages (account, uidl, size, received_utc, envelope_from, body, import_key) " +
                "VALUES ($account, $uidl, $size, $received, NULL, $body, $key) ON CONFLICT DO NOTHING",
                ("$account", account), ("$uidl", m.Uidl), ("$size", m.Body.Length), ("$received", m.ReceivedUtc.ToString("O")),
                ("$body", m.Body), ("$key", m.ImportKey));
            insert.Transaction = tx;
            if (await insert.ExecuteNonQueryAsync(ct) == 0) continue;
            stored++;
            await using var count = SqliteUsage.Add(c, account, m.Body.Length);
            count.Transaction = tx;
            await count.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        return stored;
    }

    public void Dispose()
    {
        _mailboxReader.Dispose();
        _aliasReader.Dispose();
    }

    private const string SelectUsage = "SELECT name, used_bytes, used_messages, quota_bytes, quota_messages FROM accounts";

    private static MailboxUsage ReadUsage(SqliteDataReader r) => new(
        r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.IsDBNull(3) ? null : r.GetInt64(3), r.IsDBNull(4) ? null : r.GetInt64(4));
}
