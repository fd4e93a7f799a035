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
    private readonly WalCheckpointer _checkpointer;
    private WriterStatements? _writer;

    private readonly Quota _defaultQuota;

    /// <param name="checkpointEvery">octets of mail between two checkpoints of the log (<see cref="WalCheckpointer"/>).</param>
    public SqliteIntake(Func<SqliteConnection> connect, Quota? defaultQuota = null, long checkpointEvery = WalCheckpointer.DefaultEvery)
    {
        _connect = connect;
        _defaultQuota = defaultQuota ?? Quota.Unlimited;
        _checkpointer = new WalCheckpointer(connect, checkpointEvery);
        _committer = new GroupCommitter<IncomingMessage>("sqlite-intake", Write, stopped: () => _writer?.Dispose());
    }

    public Task AcceptAsync(IncomingMessage message, CancellationToken ct = default) => _committer.CommitAsync(message);

    /// <summary>Runs on the committer's thread only.</summary>
    private void Write(IReadOnlyList<IncomingMessage> messages)
    {
        var w = _writer ??= new WriterStatements(_connect());
        long written = 0;
        try
        {
            using var tx = w.Connection.BeginTransaction(deferred: false);
            var now = DateTime.UtcNow.ToString("O");
            foreach (var m in messages)
            {
                foreach (var (account, uidl) in m.LocalAccounts.Zip(m.LocalUidls))
                {
                    w.InsertMessage.Bind(tx, account, uidl, m.LocalCopy.Length, now, m.EnvelopeFrom, m.LocalCopy).ExecuteNonQuery();
                    SqliteUsage.AddWithinQuota(w.AddUsage, tx, account, m.LocalCopy.Length, _defaultQuota);
                    written += m.LocalCopy.Length;
                }
                if (m.RelayRecipients.Count == 0) continue;
                var id = (long)w.QueueMessage.Bind(tx, m.QueueId, m.MessageId, m.EnvelopeFrom, m.ClientAddress, m.RelayAccount, now, m.RelayCopy)
                    .ExecuteScalar()!;
                foreach (var recipient in m.RelayRecipients) w.QueueRecipient.Bind(tx, id, recipient, now).ExecuteNonQuery();
                written += m.RelayCopy.Length;
            }
            tx.Commit();
        }
        catch (Exception e) when (e is not QuotaReachedException)
        {
            // A broken connection is not reused.
            w.Dispose();
            _writer = null;
            throw;
        }
        // Outside the try: nothing after the commit may make the committer retry (and store again) what is stored.
        _checkpointer.Written(written);
    }

    /// <summary>
    /// The writer connection and its statements, each compiled at its first use and kept for the connection's life
    /// (<see cref="SqlitePrepared"/>); a statement that cannot be compiled fails only the messages that need it.
    /// </summary>
    private sealed class WriterStatements(SqliteConnection connection) : IDisposable
    {
        private SqliteCommand? _insertMessage, _addUsage, _queueMessage, _queueRecipient;

        public SqliteConnection Connection { get; } = connection;

        public SqliteCommand InsertMessage => _insertMessage ??= SqlitePrepared.Command(Connection,
            "INSERT INTO messages (account, uidl, size, received_utc, envelope_from, body) VALUES ($account, $uidl, $size, $now, $from, $body)",
            "$account", "$uidl", "$size", "$now", "$from", "$body");

        public SqliteCommand AddUsage => _addUsage ??= SqliteUsage.PrepareAddWithinQuota(Connection);

        public SqliteCommand QueueMessage => _queueMessage ??= SqlitePrepared.Command(Connection,
            "INSERT INTO outbound_messages (queue_id, message_id, envelope_from, client_address, relay_account, created_utc, body) " +
            "VALUES ($queue, $mid, $from, $client, $account, $now, $body) RETURNING id",
            "$queue", "$mid", "$from", "$client", "$account", "$now", "$body");

        public SqliteCommand QueueRecipient => _queueRecipient ??= SqlitePrepared.Command(Connection,
            "INSERT INTO outbound_recipients (message, recipient, next_attempt_utc) VALUES ($message, $recipient, $now)",
            "$message", "$recipient", "$now");

        public void Dispose()
        {
            foreach (var command in new[] { _insertMessage, _addUsage, _queueMessage, _queueRecipient }) command?.Dispose();
            Connection.Dispose();
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

    public void Dispose()
    {
        _committer.Dispose();
        _checkpointer.Dispose();
    }
}
