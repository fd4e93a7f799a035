using System.Data.Common;

namespace MailActors.Storage;

/// <summary>
/// The outbound queue as operators list it (<see cref="IOutboundQueue.ListAsync"/>), the same on SQLite and PostgreSQL:
/// one query, how its rows read, and the state each row is in.
/// </summary>
internal static class OutboundListing
{
    public const string Sql =
        "SELECT r.id, m.queue_id, m.message_id, m.envelope_from, r.recipient, m.relay_account, m.created_utc, r.attempts, r.next_attempt_utc, " +
        "r.last_error, length(m.body), r.owner_node, r.lease_until " +
        "FROM outbound_recipients r JOIN outbound_messages m ON m.id = r.message ORDER BY r.id";

    /// <param name="utc">reads a time column: SQLite keeps ISO 8601 text, PostgreSQL a timestamptz.</param>
    public static async Task<IReadOnlyList<OutboundEntry>> ReadAsync(DbDataReader r, Func<DbDataReader, int, DateTime> utc, DateTime now,
        CancellationToken ct)
    {
        var list = new List<OutboundEntry>();
        while (await r.ReadAsync(ct))
        {
            var entry = new QueueEntry(r.GetInt64(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetString(3), r.GetString(4),
                r.IsDBNull(5) ? null : r.GetString(5), utc(r, 6), r.GetInt32(7), utc(r, 8), r.IsDBNull(9) ? null : r.GetString(9),
                Convert.ToInt64(r.GetValue(10)));
            var owner = r.IsDBNull(11) ? null : r.GetString(11);
            DateTime? lease = r.IsDBNull(12) ? null : utc(r, 12);
            list.Add(new OutboundEntry(entry, StateOf(entry.Attempts, owner, lease, now), owner, lease));
        }
        return list;
    }

    /// <summary><c>delivering</c> while a node's lease runs, else <c>queued</c> (never tried) or <c>deferred</c>.</summary>
    public static string StateOf(int attempts, string? owner, DateTime? leaseUntil, DateTime now) =>
        owner is not null && leaseUntil is { } until && until >= now ? "delivering" : attempts == 0 ? "queued" : "deferred";
}
