namespace MailActors.Storage;

/// <summary>
/// The SQL that keeps a mailbox's usage counters (docs/spec.md §4, quotas), the same on SQLite and PostgreSQL (both read
/// <c>@name</c> parameters). It runs in the transaction of the insert or delete it counts, so usage never drifts from the
/// messages. An account without a row (mail for a name that is no account yet) is simply not counted.
/// </summary>
public static class UsageSql
{
    /// <summary>Counts one message in; parameters <c>@account</c>, <c>@bytes</c>.</summary>
    public const string Add =
        "UPDATE accounts SET used_bytes = used_bytes + @bytes, used_messages = used_messages + 1 WHERE name = @account";

    /// <summary>
    /// Counts one message in and returns one row: whether the mailbox was below both limits before it (1/true), read
    /// under the row lock the update takes, so concurrent deliveries on any node see each other. The caller rolls the
    /// transaction back when it was not. Parameters <c>@account</c>, <c>@bytes</c>, <c>@default_bytes</c>,
    /// <c>@default_messages</c> (0: no limit).
    /// </summary>
    public const string AddWithinQuota =
        Add + " RETURNING NOT (" +
        "(COALESCE(quota_bytes, @default_bytes) > 0 AND used_bytes - @bytes >= COALESCE(quota_bytes, @default_bytes)) OR " +
        "(COALESCE(quota_messages, @default_messages) > 0 AND used_messages - 1 >= COALESCE(quota_messages, @default_messages)))";

    /// <summary>Counts messages out; parameters <c>@account</c>, <c>@bytes</c>, <c>@messages</c>.</summary>
    public const string Remove =
        "UPDATE accounts SET used_bytes = used_bytes - @bytes, used_messages = used_messages - @messages WHERE name = @account";
}
