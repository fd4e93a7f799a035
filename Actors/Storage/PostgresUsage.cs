using MailActors.Quotas;
using Npgsql;

namespace MailActors.Storage;

/// <summary><see cref="UsageSql"/> as PostgreSQL commands.</summary>
public static class PostgresUsage
{
    public static NpgsqlBatchCommand Add(string account, long bytes) =>
        Command(UsageSql.Add, ("account", account), ("bytes", bytes));

    public static NpgsqlBatchCommand Remove(string account, long bytes, long messages) =>
        Command(UsageSql.Remove, ("account", account), ("bytes", bytes), ("messages", messages));

    /// <summary>Returns one row per account that has one: false when the mailbox was full before this message.</summary>
    public static NpgsqlBatchCommand AddWithinQuota(string account, long bytes, Quota defaults) =>
        Command(UsageSql.AddWithinQuota + ", name",
            ("account", account), ("bytes", bytes), ("default_bytes", defaults.Bytes), ("default_messages", defaults.Messages));

    /// <summary>
    /// Locks the accounts' rows in name order before a batch counts into them, so two committers on any nodes that
    /// share accounts wait for each other instead of deadlocking.
    /// </summary>
    public static NpgsqlBatchCommand Lock(IEnumerable<string> accounts) =>
        new("SELECT name FROM accounts WHERE name = ANY(@accounts) ORDER BY name FOR UPDATE")
        {
            Parameters = { new NpgsqlParameter("accounts", accounts.Distinct().ToArray()) },
        };

    private static NpgsqlBatchCommand Command(string sql, params (string Name, object Value)[] parameters)
    {
        var cmd = new NpgsqlBatchCommand(sql);
        foreach (var (n, v) in parameters) cmd.Parameters.Add(new NpgsqlParameter(n, v));
        return cmd;
    }
}
