using MailActors.Quotas;
using Microsoft.Data.Sqlite;
using static MailActors.Storage.SqliteCommands;

namespace MailActors.Storage;

/// <summary><see cref="UsageSql"/> as SQLite commands.</summary>
public static class SqliteUsage
{
    public static SqliteCommand Add(SqliteConnection c, string account, long bytes) =>
        Command(c, UsageSql.Add, ("@account", account), ("@bytes", bytes));

    public static SqliteCommand Remove(SqliteConnection c, string account, long bytes, long messages) =>
        Command(c, UsageSql.Remove, ("@account", account), ("@bytes", bytes), ("@messages", messages));

    /// <summary>The statement of <see cref="AddWithinQuota"/>, prepared once for the intake's writer connection.</summary>
    public static SqliteCommand PrepareAddWithinQuota(SqliteConnection c) =>
        SqlitePrepared.Command(c, UsageSql.AddWithinQuota, "@account", "@bytes", "@default_bytes", "@default_messages");

    /// <summary>Counts the message in; throws <see cref="QuotaReachedException"/> when the mailbox was full before it.</summary>
    public static void AddWithinQuota(SqliteCommand prepared, SqliteTransaction tx, string account, long bytes, Quota defaults)
    {
        if (prepared.Bind(tx, account, bytes, defaults.Bytes, defaults.Messages).ExecuteScalar() is long within && within == 0)
            throw new QuotaReachedException(account);
    }
}
