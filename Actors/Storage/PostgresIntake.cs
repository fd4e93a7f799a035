using MailActors.Quotas;
using Npgsql;
using NpgsqlTypes;

namespace MailActors.Storage;

/// <summary>
/// SMTP's durable intake on PostgreSQL: each message's local copies and outbound queue rows in one transaction,
/// group-committed as on SQLite. PostgreSQL takes concurrent writers, so a few committers run side by side, each
/// with its own connection; a message goes to one of them, and its task completes only after that committer's
/// transaction has committed. Each local copy is counted against its mailbox's quota in the same transaction, under
/// the account row's lock, so the quota holds however many nodes deliver at once (docs/spec.md §4); a full mailbox
/// fails the message with <see cref="QuotaReachedException"/> and nothing of it is stored.
/// </summary>
public sealed class PostgresIntake : IMailIntake, IDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly Committer[] _committers;
    private int _next;

    public PostgresIntake(NpgsqlDataSource dataSource, int committers = 4, Quota? defaultQuota = null)
    {
        _dataSource = dataSource;
        _committers = Enumerable.Range(1, committers)
            .Select(i => new Committer(dataSource, $"postgres-intake-{i}", defaultQuota ?? Quota.Unlimited)).ToArray();
    }

    public Task AcceptAsync(IncomingMessage message, CancellationToken ct = default) =>
        _committers[(int)((uint)Interlocked.Increment(ref _next) % _committers.Length)].Group.CommitAsync(message);

    public async Task<IReadOnlyList<QueueEntry>> ListQueueAsync(CancellationToken ct = default)
    {
        await using var cmd = _dataSource.CreateCommand(
            "SELECT r.id, m.queue_id, m.message_id, m.envelope_from, r.recipient, m.relay_account, m.created_utc, r.attempts, r.next_attempt_utc, r.last_error, octet_length(m.body)::bigint " +
            "FROM outbound_recipients r JOIN outbound_messages m ON m.id = r.message ORDER BY r.id");
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<QueueEntry>();
        while (await r.ReadAsync(ct))
            list.Add(new QueueEntry(r.GetInt64(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetString(3), r.GetString(4),
                r.IsDBNull(5) ? null : r.GetString(5), r.GetFieldValue<DateTime>(6), r.GetInt32(7), r.GetFieldValue<DateTime>(8),
                r.IsDBNull(9) ? null : r.GetString(9), r.GetInt64(10)));
        return list;
    }

    public async Task<QueueCounts> CountQueueAsync(CancellationToken ct = default)
    {
        await using var cmd = _dataSource.CreateCommand(
            "SELECT count(*) FILTER (WHERE r.attempts = 0), count(*) FILTER (WHERE r.attempts > 0), min(m.created_utc) " +
            "FROM outbound_recipients r JOIN outbound_messages m ON m.id = r.message");
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return new QueueCounts(r.GetInt64(0), r.GetInt64(1), r.IsDBNull(2) ? null : r.GetFieldValue<DateTime>(2));
    }

    public void Dispose()
    {
        // Each writes what it was handed first; a stalled database holds the stop for one wait, not one per committer.
        GroupCommitter<IncomingMessage>.StopAll(_committers.Select(c => c.Group).ToList());
    }

    private sealed class Committer
    {
        private readonly NpgsqlDataSource _dataSource;
        private readonly Quota _defaultQuota;
        private NpgsqlConnection? _connection;
        public GroupCommitter<IncomingMessage> Group { get; }

        public Committer(NpgsqlDataSource dataSource, string name, Quota defaultQuota)
        {
            _dataSource = dataSource;
            _defaultQuota = defaultQuota;
            Group = new GroupCommitter<IncomingMessage>(name, Write, stopped: () => _connection?.Dispose());
        }

        /// <summary>Runs on this committer's thread only.</summary>
        private void Write(IReadOnlyList<IncomingMessage> messages)
        {
            _connection ??= _dataSource.OpenConnection();
            try
            {
                using var tx = _connection.BeginTransaction();
                var now = DateTime.UtcNow;
                using var batch = new NpgsqlBatch(_connection, tx);
                var accounts = messages.SelectMany(m => m.LocalAccounts).ToList();
                if (accounts.Count > 0) batch.BatchCommands.Add(PostgresUsage.Lock(accounts));
                foreach (var m in messages)
                {
                    foreach (var (account, uidl) in m.LocalAccounts.Zip(m.LocalUidls))
                    {
                        batch.BatchCommands.Add(Command(
                            "INSERT INTO messages (account, uidl, size, received_utc, envelope_from, body) VALUES ($1, $2, $3, $4, $5, $6)",
                            account, uidl, (long)m.LocalCopy.Length, now, m.EnvelopeFrom, m.LocalCopy));
                        batch.BatchCommands.Add(PostgresUsage.AddWithinQuota(account, m.LocalCopy.Length, _defaultQuota));
                    }
                    if (m.RelayRecipients.Count == 0) continue;
                    // The recipients join their message by queue id, so the whole message is one round trip.
                    batch.BatchCommands.Add(Command(
                        "INSERT INTO outbound_messages (queue_id, message_id, envelope_from, client_address, relay_account, created_utc, body) " +
                        "VALUES ($1, $2, $3, $4, $5, $6, $7)",
                        m.QueueId, m.MessageId, m.EnvelopeFrom, m.ClientAddress, m.RelayAccount, now, m.RelayCopy));
                    batch.BatchCommands.Add(Command(
                        "INSERT INTO outbound_recipients (message, recipient, next_attempt_utc) " +
                        "SELECT m.id, r.recipient, $3 FROM outbound_messages m, unnest($2::text[]) WITH ORDINALITY AS r (recipient, n) WHERE m.queue_id = $1 ORDER BY r.n",
                        m.QueueId, m.RelayRecipients.ToArray(), now));
                }
                ThrowIfAnyMailboxFull(batch);
                tx.Commit();
            }
            catch (Exception e) when (e is not QuotaReachedException)
            {
                // A broken connection is not reused.
                _connection.Dispose();
                _connection = null;
                throw;
            }
        }

        /// <summary>Runs the batch; the quota counts answer (within, name) rows, and one false fails it (rolled back by the caller).</summary>
        private static void ThrowIfAnyMailboxFull(NpgsqlBatch batch)
        {
            using var r = batch.ExecuteReader();
            do
            {
                while (r.Read())
                    if (r.FieldCount == 2 && !r.GetBoolean(0)) throw new QuotaReachedException(r.GetString(1));
            } while (r.NextResult());
        }

        private static NpgsqlBatchCommand Command(string sql, params object?[] values)
        {
            var cmd = new NpgsqlBatchCommand(sql);
            foreach (var v in values)
                cmd.Parameters.Add(v is null ? new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text, Value = DBNull.Value } : new NpgsqlParameter { Value = v });
            return cmd;
        }
    }
}
