using MailActors.Quotas;
using Microsoft.Data.Sqlite;

namespace MailActors.Storage;

/// <summary>
/// SMTP's durable intake on SQLite: local copies and outbound queue entries, group-committed. Each local copy is counted
/// against its mailbox's quota in the same transaction; a full mailbox fails the message with
/// <see cref="QuotaReachedException"/> and nothing of it is stored (docs/spec.md §4).
/// </summary>
public sealed class SqliteIntake : IMailIntake, IDisposable
{
    private readonly Func<SqliteConnection> _connect;
    private readonly GroupCommitter<IncomingMessage> _committer;
    private SqliteConnection? _writer;

    private readonly Quota _defaultQuota;

    public SqliteIntake(Func<SqliteConnection> connect, Quota? defaultQuota = null)
    {
        _connect = connect;
        _defaultQuota = defaultQuota ?? Quota.Unlimited;
        _committer = new GroupCommitter<IncomingMessage>("sqlite-intake", Write);
    }

    public Task AcceptAsync(IncomingMessage message, CancellationToken ct = default) => _committer.CommitAsync(message);

    /// <summary>Runs on the committer's thread only.</summary>
    private void Write(IReadOnlyList<IncomingMessage> messages)
    {
        _writer ??= _connect();
        try
        {
            using var tx = _writer.BeginTransaction(deferred: false);
            var now = DateTime.UtcNow.ToString("O");
            foreach (var m in messages)
            {
                foreach (var (account, uidl) in m.LocalAccounts.Zip(m.LocalUidls))
                {
                    using var insert = Command(tx,
                        "INSERT INTO messages (account, uidl, size, received_utc, envelope_from, body) VALUES ($account, $uidl, $size, $now, $from, $body)",
                        ("$account", account), ("$uidl", uidl), ("$size", m.LocalCopy.Length), ("$now", now),
                        ("$from", m.EnvelopeFrom), ("$body", m.LocalCopy));
                    insert.ExecuteNonQuery();
                    SqliteUsage.AddWithinQuota(tx, account, m.LocalCopy.Length, _defaultQuota);
                }
                if (m.RelayRecipients.Count == 0) continue;
                using var queued = Command(tx,
                    "INSERT INTO outbound_messages (queue_id, message_id, envelope_from, client_address, relay_account, created_utc, body) " +
                    "VALUES ($queue, $mid, $from, $client, $account, $now, $body) RETURNING id",
                    ("$queue", m.QueueId), ("$mid", m.MessageId), ("$from", m.EnvelopeFrom), ("$client", m.ClientAddress),
                    ("$account", m.RelayAccount), ("$now", now), ("$body", m.RelayCopy));
                var id = (long)queued.ExecuteScalar()!;
                foreach (var recipient in m.RelayRecipients)
                {
                    using var entry = Command(tx,
                        "INSERT INTO outbound_recipients (message, recipient, next_attempt_utc) VALUES ($message, $recipient, $now)",
                        ("$message", id), ("$recipient", recipient), ("$now", now));
                    entry.ExecuteNonQuery();
                }
            }
            tx.Commit();
        }
        catch (Exception e) when (e is not QuotaReachedException)
        {
            // A broken connection is not reused.
            _writer.Dispose();
            _writer = null;
            throw;
        }
    }

    public async Task<IReadOnlyList<QueueEntry>> ListQueueAsync(CancellationToken ct = default)
    {
        await using var c = _connect();
        await using var cmd = c.CreateCommand();
        cmd.CommandText =
            "SELECT r.id, m.queue_id, m.message_id, m.envelope_from, r.recipient, m.relay_account, m.created_utc, r.attempts, r.next_attempt_utc, r.last_error, length(m.body) " +
            "FROM outbound_recipients r JOIN outbound_messages m ON m.id = r.message ORDER BY r.id";
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<QueueEntry>();
        while (await r.ReadAsync(ct))
            list.Add(new QueueEntry(r.GetInt64(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetString(3), r.GetString(4),
                r.IsDBNull(5) ? null : r.GetString(5), Utc(r.GetString(6)), r.GetInt32(7), Utc(r.GetString(8)), r.IsDBNull(9) ? null : r.GetString(9), r.GetInt64(10)));
        return list;
    }

    public async Task<QueueCounts> CountQueueAsync(CancellationToken ct = default)
    {
        await using var c = _connect();
        await using var cmd = c.CreateCommand();
        cmd.CommandText =
            "SELECT COALESCE(SUM(r.attempts = 0), 0), COALESCE(SUM(r.attempts > 0), 0), MIN(m.created_utc) " +
            "FROM outbound_recipients r JOIN outbound_messages m ON m.id = r.message";
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return new QueueCounts(r.GetInt64(0), r.GetInt64(1), r.IsDBNull(2) ? null : Utc(r.GetString(2)));
    }

    private static DateTime Utc(string text) => DateTime.Parse(text, null, System.Globalization.DateTimeStyles.RoundtripKind);

    private static SqliteCommand Command(SqliteTransaction tx, string sql, params (string Name, object? Value)[] parameters)
    {
        var cmd = tx.Connection!.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var (n, v) in parameters) cmd.Parameters.AddWithValue(n, v ?? DBNull.Value);
        return cmd;
    }

    public void Dispose()
    {
        _committer.Dispose();
        _writer?.Dispose();
    }
}
