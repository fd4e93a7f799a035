using System.Globalization;
using Microsoft.Data.Sqlite;
using static MailActors.Storage.SqliteCommands;

namespace MailActors.Storage;

/// <summary>
/// The outbound queue on SQLite (tables of migrations 2 and 3). Each call opens its own pooled connection, never the
/// intake's writer, and keeps its transaction short, so delivery does not hold up SMTP acceptance for long. Times are
/// ISO-8601 UTC text of one fixed width (<c>"O"</c>), so they compare as strings; the SQL is portable to PostgreSQL.
/// </summary>
public sealed class SqliteOutboundQueue : IOutboundQueue, IDisposable
{
    private const string Free = "(owner_node IS NULL OR lease_until IS NULL OR lease_until < $now)";
    private readonly Func<SqliteConnection> _connect;
    private readonly GroupCommitter<Outcome> _recorder;
    private SqliteConnection? _writer;

    /// <summary>Outcomes are group-committed on a writer thread of their own (not the SMTP intake's): one fsync for many.</summary>
    public SqliteOutboundQueue(Func<SqliteConnection> connect)
    {
        _connect = connect;
        _recorder = new GroupCommitter<Outcome>("sqlite-delivery-outcomes", Write, stopped: () => _writer?.Dispose());
    }

    public void Dispose() => _recorder.Dispose();

    public async Task<IReadOnlyList<ClaimedRecipient>> ClaimAsync(string node, DateTime now, TimeSpan lease, int limit, CancellationToken ct = default)
    {
        if (limit <= 0) return [];
        await using var c = _connect();
        await using var tx = (SqliteTransaction)await c.BeginTransactionAsync(ct);
        var claimed = new List<(long Id, long Message, string Recipient, int Attempts)>();
        // The inner SELECT picks candidates; the outer WHERE checks again, so that under PostgreSQL's READ COMMITTED
        // a row another node claimed meanwhile is skipped rather than taken twice.
        await using (var cmd = Command(c, tx,
                         $"UPDATE outbound_recipients SET owner_node = $node, lease_until = $until " +
                         $"WHERE id IN (SELECT id FROM outbound_recipients WHERE next_attempt_utc <= $now AND {Free} ORDER BY next_attempt_utc, id LIMIT $limit) " +
                         $"AND next_attempt_utc <= $now AND {Free} RETURNING id, message, recipient, attempts",
                         ("$node", node), ("$until", Time(now + lease)), ("$now", Time(now)), ("$limit", limit)))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
                claimed.Add((r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetInt32(3)));

        var messages = new Dictionary<long, (string QueueId, string? MessageId, string From, DateTime Created)>();
        foreach (var id in claimed.Select(x => x.Message).Distinct())
        {
            await using var cmd = Command(c, tx, "SELECT queue_id, message_id, envelope_from, created_utc FROM outbound_messages WHERE id = $id", ("$id", id));
            await using var r = await cmd.ExecuteReaderAsync(ct);
            if (await r.ReadAsync(ct))
                messages[id] = (r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.GetString(2), Utc(r.GetString(3)));
        }
        await tx.CommitAsync(ct);
        return claimed.Where(x => messages.ContainsKey(x.Message)).Select(x =>
        {
            var m = messages[x.Message];
            return new ClaimedRecipient(x.Id, x.Message, m.QueueId, m.MessageId, m.From, x.Recipient, m.Created, x.Attempts);
        }).ToList();
    }

    public async Task<byte[]?> ReadBodyAsync(long messageRow, CancellationToken ct = default)
    {
        await using var c = _connect();
        await using var cmd = Command(c, null, "SELECT body FROM outbound_messages WHERE id = $id", ("$id", messageRow));
        return await cmd.ExecuteScalarAsync(ct) as byte[];
    }

    public async Task RenewAsync(string node, IReadOnlyCollection<long> ids, DateTime leaseUntil, CancellationToken ct = default)
    {
        if (ids.Count == 0) return;
        await using var c = _connect();
        await using var tx = (SqliteTransaction)await c.BeginTransactionAsync(ct);
        await using var cmd = Command(c, tx, "UPDATE outbound_recipients SET lease_until = $until WHERE id = $id AND owner_node = $node",
            ("$until", Time(leaseUntil)), ("$node", node));
        var id = cmd.Parameters.Add("$id", SqliteType.Integer);
        foreach (var each in ids)
        {
            id.Value = each;
            await cmd.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
    }

    public async Task ReleaseAsync(string node, IReadOnlyCollection<long> ids, CancellationToken ct = default)
    {
        if (ids.Count == 0) return;
        await using var c = _connect();
        await using var tx = (SqliteTransaction)await c.BeginTransactionAsync(ct);
        await using var cmd = Command(c, tx, "UPDATE outbound_recipients SET owner_node = NULL, lease_until = NULL WHERE id = $id AND owner_node = $node",
            ("$node", node));
        var id = cmd.Parameters.Add("$id", SqliteType.Integer);
        foreach (var each in ids)
        {
            id.Value = each;
            await cmd.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
    }

    public Task<bool> DeliveredAsync(long id, string node, CancellationToken ct = default) =>
        Record(new Outcome(id, node, null, null, null));

    public Task<bool> DeferredAsync(long id, string node, DateTime nextAttemptUtc, string error, CancellationToken ct = default) =>
        Record(new Outcome(id, node, nextAttemptUtc, error, null));

    public Task<bool> FailedAsync(long id, string node, string error, BounceDelivery? bounce, CancellationToken ct = default) =>
        Record(new Outcome(id, node, null, error, bounce) { Removes = true });

    /// <summary>An attempt's result to write; <c>Applied</c> is false when the recipient was no longer the node's.</summary>
    private sealed record Outcome(long Id, string Node, DateTime? NextAttemptUtc, string? Error, BounceDelivery? Bounce)
    {
        public bool Removes { get; init; }
        public bool Applied { get; set; }
    }

    private async Task<bool> Record(Outcome outcome)
    {
        await _recorder.CommitAsync(outcome);
        return outcome.Applied;
    }

    /// <summary>Runs on the recorder's thread only: many outcomes, one transaction, one fsync.</summary>
    private void Write(IReadOnlyList<Outcome> outcomes)
    {
        _writer ??= _connect();
        try
        {
            using var tx = _writer.BeginTransaction(deferred: false);
            var now = Time(DateTime.UtcNow);
            foreach (var o in outcomes)
            {
                if (o.NextAttemptUtc is { } next)
                {
                    using var defer = Command(_writer, tx,
                        "UPDATE outbound_recipients SET attempts = attempts + 1, next_attempt_utc = $next, last_error = $error, owner_node = NULL, lease_until = NULL " +
                        "WHERE id = $id AND owner_node = $node",
                        ("$next", Time(next)), ("$error", o.Error), ("$id", o.Id), ("$node", o.Node));
                    o.Applied = defer.ExecuteNonQuery() == 1;
                    continue;
                }
                o.Applied = RemoveOwned(_writer, tx, o.Id, o.Node);
                if (o.Applied && o.Bounce is not null) WriteBounce(_writer, tx, o.Bounce, now);
            }
            tx.Commit();
        }
        catch
        {
            // A broken connection is not reused.
            _writer.Dispose();
            _writer = null;
            throw;
        }
    }

    private static void WriteBounce(SqliteConnection c, SqliteTransaction tx, BounceDelivery bounce, string now)
    {
        switch (bounce)
        {
            case BounceDelivery.Local local:
                using (var cmd = Command(c, tx,
                           "INSERT INTO messages (account, uidl, size, received_utc, envelope_from, body) VALUES ($account, $uidl, $size, $now, '', $body)",
                           ("$account", local.Account), ("$uidl", Uidl.New()), ("$size", local.Message.Length), ("$now", now), ("$body", local.Message)))
                    cmd.ExecuteNonQuery();
                using (var count = SqliteUsage.Add(c, local.Account, local.Message.Length)) // counted; a bounce is never refused for quota
                {
                    count.Transaction = tx;
                    count.ExecuteNonQuery();
                }
                break;
            case BounceDelivery.Outbound outbound:
                long message;
                using (var cmd = Command(c, tx,
                           "INSERT INTO outbound_messages (queue_id, message_id, envelope_from, client_address, relay_account, created_utc, body) " +
                           "VALUES ($queue, $mid, '', '', NULL, $now, $body) RETURNING id",
                           ("$queue", outbound.QueueId), ("$mid", outbound.MessageId), ("$now", now), ("$body", outbound.Message)))
                    message = (long)cmd.ExecuteScalar()!;
                using (var cmd = Command(c, tx,
                           "INSERT INTO outbound_recipients (message, recipient, next_attempt_utc) VALUES ($message, $recipient, $now)",
                           ("$message", message), ("$recipient", outbound.Recipient), ("$now", now)))
                    cmd.ExecuteNonQuery();
                break;
        }
    }

    public async Task<IReadOnlyList<OutboundEntry>> ListAsync(DateTime now, CancellationToken ct = default)
    {
        await using var c = _connect();
        await using var cmd = Command(c, null, OutboundListing.Sql);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await OutboundListing.ReadAsync(r, (reader, i) => Utc(reader.GetString(i)), now, ct);
    }

    public async Task<QueueDepth> DepthAsync(DateTime now, CancellationToken ct = default)
    {
        await using var c = _connect();
        await using var cmd = Command(c, null,
            $"SELECT SUM(CASE WHEN NOT {Free} THEN 1 ELSE 0 END), SUM(CASE WHEN {Free} AND attempts = 0 THEN 1 ELSE 0 END), " +
            $"SUM(CASE WHEN {Free} AND attempts > 0 THEN 1 ELSE 0 END) FROM outbound_recipients", ("$now", Time(now)));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        int At(int i) => r.IsDBNull(i) ? 0 : r.GetInt32(i);
        return new QueueDepth(Queued: At(1), Deferred: At(2), Delivering: At(0));
    }

    public async Task<int> RetryAsync(string queueId, string? recipient, DateTime now, CancellationToken ct = default)
    {
        await using var c = _connect();
        await using var cmd = Command(c, null,
            "UPDATE outbound_recipients SET next_attempt_utc = $now " +
            "WHERE message = (SELECT id FROM outbound_messages WHERE queue_id = $queue) AND ($recipient IS NULL OR recipient = $recipient)",
            ("$now", Time(now)), ("$queue", queueId), ("$recipient", recipient));
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<int> DeleteAsync(string queueId, string? recipient, CancellationToken ct = default)
    {
        await using var c = _connect();
        await using var tx = (SqliteTransaction)await c.BeginTransactionAsync(ct);
        int deleted;
        await using (var cmd = Command(c, tx,
                         "DELETE FROM outbound_recipients WHERE message = (SELECT id FROM outbound_messages WHERE queue_id = $queue) " +
                         "AND ($recipient IS NULL OR recipient = $recipient)",
                         ("$queue", queueId), ("$recipient", recipient)))
            deleted = await cmd.ExecuteNonQueryAsync(ct);
        await using (var cmd = Command(c, tx,
                         "DELETE FROM outbound_messages WHERE queue_id = $queue AND NOT EXISTS (SELECT 1 FROM outbound_recipients r WHERE r.message = outbound_messages.id)",
                         ("$queue", queueId)))
            await cmd.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
        return deleted;
    }

    /// <summary>Deletes the recipient if this node holds it, and the message once it has no recipient left.</summary>
    private static bool RemoveOwned(SqliteConnection c, SqliteTransaction tx, long id, string node)
    {
        long? message;
        using (var cmd = Command(c, tx, "DELETE FROM outbound_recipients WHERE id = $id AND owner_node = $node RETURNING message", ("$id", id), ("$node", node)))
            message = cmd.ExecuteScalar() as long?;
        if (message is null) return false;
        using (var cmd = Command(c, tx,
                   "DELETE FROM outbound_messages WHERE id = $message AND NOT EXISTS (SELECT 1 FROM outbound_recipients WHERE message = $message)",
                   ("$message", message)))
            cmd.ExecuteNonQuery();
        return true;
    }

    private static string Time(DateTime utc) => utc.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    private static DateTime Utc(string text) => DateTime.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
}
