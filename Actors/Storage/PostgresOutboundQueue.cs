using Npgsql;
using NpgsqlTypes;

namespace MailActors.Storage;

/// <summary>
/// The outbound queue on PostgreSQL (migrations 2 and 3), the same statements as <see cref="SqliteOutboundQueue"/>
/// with timestamptz times. Claims take rows with <c>FOR UPDATE SKIP LOCKED</c> and check the lease again in the
/// UPDATE, so two nodes claiming at once never get the same recipient and never wait on each other's rows. An outcome
/// is one short transaction of its own (PostgreSQL commits concurrently; there is no single writer to group for).
/// </summary>
public sealed class PostgresOutboundQueue(NpgsqlDataSource dataSource) : IOutboundQueue
{
    private const string Free = "(owner_node IS NULL OR lease_until IS NULL OR lease_until < @now)";

    public async Task<IReadOnlyList<ClaimedRecipient>> ClaimAsync(string node, DateTime now, TimeSpan lease, int limit, CancellationToken ct = default)
    {
        if (limit <= 0) return [];
        await using var c = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        var claimed = new List<ClaimedRecipient>();
        await using (var cmd = Command(c, tx,
                         "WITH picked AS (SELECT id FROM outbound_recipients WHERE next_attempt_utc <= @now AND " + Free +
                         " ORDER BY next_attempt_utc, id LIMIT @limit FOR UPDATE SKIP LOCKED), " +
                         "taken AS (UPDATE outbound_recipients r SET owner_node = @node, lease_until = @until FROM picked " +
                         "WHERE r.id = picked.id AND r.next_attempt_utc <= @now AND (r.owner_node IS NULL OR r.lease_until IS NULL OR r.lease_until < @now) " +
                         "RETURNING r.id, r.message, r.recipient, r.attempts) " +
                         "SELECT t.id, t.message, m.queue_id, m.message_id, m.envelope_from, t.recipient, m.created_utc, t.attempts " +
                         "FROM taken t JOIN outbound_messages m ON m.id = t.message ORDER BY t.id",
                         ("node", node), ("until", now + lease), ("now", now), ("limit", limit)))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
                claimed.Add(new ClaimedRecipient(r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3),
                    r.GetString(4), r.GetString(5), Utc(r.GetDateTime(6)), r.GetInt32(7)));
        await tx.CommitAsync(ct);
        return claimed;
    }

    public async Task<byte[]?> ReadBodyAsync(long messageRow, CancellationToken ct = default)
    {
        await using var c = await dataSource.OpenConnectionAsync(ct);
        await using var cmd = Command(c, null, "SELECT body FROM outbound_messages WHERE id = @id", ("id", messageRow));
        return await cmd.ExecuteScalarAsync(ct) as byte[];
    }

    public async Task RenewAsync(string node, IReadOnlyCollection<long> ids, DateTime leaseUntil, CancellationToken ct = default)
    {
        if (ids.Count == 0) return;
        await using var c = await dataSource.OpenConnectionAsync(ct);
        await using var cmd = Command(c, null, "UPDATE outbound_recipients SET lease_until = @until WHERE id = ANY(@ids) AND owner_node = @node",
            ("until", leaseUntil), ("ids", ids.ToArray()), ("node", node));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task ReleaseAsync(string node, IReadOnlyCollection<long> ids, CancellationToken ct = default)
    {
        if (ids.Count == 0) return;
        await using var c = await dataSource.OpenConnectionAsync(ct);
        await using var cmd = Command(c, null, "UPDATE outbound_recipients SET owner_node = NULL, lease_until = NULL WHERE id = ANY(@ids) AND owner_node = @node",
            ("ids", ids.ToArray()), ("node", node));
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<bool> DeliveredAsync(long id, string node, CancellationToken ct = default)
    {
        await using var c = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        var removed = await RemoveOwnedAsync(c, tx, id, node, ct);
        await tx.CommitAsync(ct);
        return removed;
    }

    public async Task<bool> DeferredAsync(long id, string node, DateTime nextAttemptUtc, string error, CancellationToken ct = default)
    {
        await using var c = await dataSource.OpenConnectionAsync(ct);
        await using var cmd = Command(c, null,
            "UPDATE outbound_recipients SET attempts = attempts + 1, next_attempt_utc = @next, last_error = @error, owner_node = NULL, lease_until = NULL " +
            "WHERE id = @id AND owner_node = @node",
            ("next", nextAttemptUtc), ("error", error), ("id", id), ("node", node));
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task<bool> FailedAsync(long id, string node, string error, BounceDelivery? bounce, CancellationToken ct = default)
    {
        await using var c = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        var removed = await RemoveOwnedAsync(c, tx, id, node, ct);
        if (removed && bounce is not null) await WriteBounceAsync(c, tx, bounce, DateTime.UtcNow, ct);
        await tx.CommitAsync(ct);
        return removed;
    }

    private static async Task WriteBounceAsync(NpgsqlConnection c, NpgsqlTransaction tx, BounceDelivery bounce, DateTime now, CancellationToken ct)
    {
        switch (bounce)
        {
            case BounceDelivery.Local local:
                await using (var cmd = Command(c, tx,
                                 "INSERT INTO messages (account, uidl, size, received_utc, envelope_from, body) VALUES (@account, @uidl, @size, @now, '', @body)",
                                 ("account", local.Account), ("uidl", Uidl.New()), ("size", (long)local.Message.Length), ("now", now), ("body", local.Message)))
                    await cmd.ExecuteNonQueryAsync(ct);
                await using (var count = Command(c, tx, UsageSql.Add, ("account", local.Account), ("bytes", (long)local.Message.Length)))
                    await count.ExecuteNonQueryAsync(ct);
                break;
            case BounceDelivery.Outbound outbound:
                await using (var cmd = Command(c, tx,
                                 "WITH m AS (INSERT INTO outbound_messages (queue_id, message_id, envelope_from, client_address, relay_account, created_utc, body) " +
                                 "VALUES (@queue, @mid, '', '', NULL, @now, @body) RETURNING id) " +
                                 "INSERT INTO outbound_recipients (message, recipient, next_attempt_utc) SELECT id, @recipient, @now FROM m",
                                 ("queue", outbound.QueueId), ("mid", outbound.MessageId), ("now", now), ("body", outbound.Message),
                                 ("recipient", outbound.Recipient)))
                    await cmd.ExecuteNonQueryAsync(ct);
                break;
        }
    }

    public async Task<IReadOnlyList<OutboundEntry>> ListAsync(DateTime now, CancellationToken ct = default)
    {
        await using var c = await dataSource.OpenConnectionAsync(ct);
        await using var cmd = Command(c, null, OutboundListing.Sql);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await OutboundListing.ReadAsync(r, (reader, i) => Utc(reader.GetDateTime(i)), now, ct);
    }

    public async Task<QueueDepth> DepthAsync(DateTime now, CancellationToken ct = default)
    {
        await using var c = await dataSource.OpenConnectionAsync(ct);
        await using var cmd = Command(c, null,
            $"SELECT count(*) FILTER (WHERE NOT {Free}), count(*) FILTER (WHERE {Free} AND attempts = 0), " +
            $"count(*) FILTER (WHERE {Free} AND attempts > 0) FROM outbound_recipients", ("now", now));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        await r.ReadAsync(ct);
        return new QueueDepth(Queued: (int)r.GetInt64(1), Deferred: (int)r.GetInt64(2), Delivering: (int)r.GetInt64(0));
    }

    public async Task<int> RetryAsync(string queueId, string? recipient, DateTime now, CancellationToken ct = default)
    {
        await using var c = await dataSource.OpenConnectionAsync(ct);
        await using var cmd = Command(c, null,
            "UPDATE outbound_recipients SET next_attempt_utc = @now " +
            "WHERE message = (SELECT id FROM outbound_messages WHERE queue_id = @queue) AND (@recipient::text IS NULL OR recipient = @recipient)",
            ("now", now), ("queue", queueId), ("recipient", recipient));
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<int> DeleteAsync(string queueId, string? recipient, CancellationToken ct = default)
    {
        await using var c = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        int deleted;
        await using (var cmd = Command(c, tx,
                         "DELETE FROM outbound_recipients WHERE message = (SELECT id FROM outbound_messages WHERE queue_id = @queue) " +
                         "AND (@recipient::text IS NULL OR recipient = @recipient)",
                         ("queue", queueId), ("recipient", recipient)))
            deleted = await cmd.ExecuteNonQueryAsync(ct);
        await using (var cmd = Command(c, tx,
                         "DELETE FROM outbound_messages m WHERE queue_id = @queue AND NOT EXISTS (SELECT 1 FROM outbound_recipients r WHERE r.message = m.id)",
                         ("queue", queueId)))
            await cmd.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
        return deleted;
    }

    /// <summary>Deletes the recipient if this node holds it, and the message once it has no recipient left.</summary>
    private static async Task<bool> RemoveOwnedAsync(NpgsqlConnection c, NpgsqlTransaction tx, long id, string node, CancellationToken ct)
    {
        object? message;
        await using (var cmd = Command(c, tx, "DELETE FROM outbound_recipients WHERE id = @id AND owner_node = @node RETURNING message", ("id", id), ("node", node)))
            message = await cmd.ExecuteScalarAsync(ct);
        if (message is not long row) return false;
        await using (var cmd = Command(c, tx,
                         "DELETE FROM outbound_messages m WHERE id = @message AND NOT EXISTS (SELECT 1 FROM outbound_recipients r WHERE r.message = @message)",
                         ("message", row)))
            await cmd.ExecuteNonQueryAsync(ct);
        return true;
    }

    private static DateTime Utc(DateTime t) => DateTime.SpecifyKind(t, DateTimeKind.Utc);

    private static NpgsqlCommand Command(NpgsqlConnection c, NpgsqlTransaction? tx, string sql, params (string Name, object? Value)[] parameters)
    {
        var cmd = new NpgsqlCommand(sql, c, tx);
        foreach (var (name, value) in parameters)
            cmd.Parameters.Add(value switch
            {
                null => new NpgsqlParameter(name, NpgsqlDbType.Text) { Value = DBNull.Value },
                DateTime t => new NpgsqlParameter(name, NpgsqlDbType.TimestampTz) { Value = DateTime.SpecifyKind(t.ToUniversalTime(), DateTimeKind.Utc) },
                _ => new NpgsqlParameter(name, value),
            });
        return cmd;
    }
}
