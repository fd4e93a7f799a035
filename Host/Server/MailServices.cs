using MailActors.Accounts;
using MailActors.Accounts.Ldap;
using MailActors.Configuration;
using MailActors.Storage;

namespace MailActors.Host.Server;

/// <summary>Storage and accounts opened from settings: what both the server and the CLI commands use.</summary>
public sealed class MailServices : IDisposable
{
    public required MailActorsSettings Settings { get; init; }
    public required IAccountStore Accounts { get; init; }
    public required IMessageStore Messages { get; init; }
    public required IMailboxes Mailboxes { get; init; }
    public required ApopSecretCipher ApopCipher { get; init; }
    public required IMailIntake Intake { get; init; }
    public required IOutboundQueue Outbound { get; init; }

    /// <summary>The campus directory when <c>accounts.source = "ldap"</c>, else null (docs/spec.md §4).</summary>
    public LdapDirectory? Directory { get; private init; }

    /// <summary>How RCPT finds a local recipient: the directory, or the local accounts table.</summary>
    public IRecipientLookup Recipients => (IRecipientLookup?)Directory ?? new LocalRecipients(Accounts);

    public void Dispose()
    {
        (Intake as IDisposable)?.Dispose(); // first: it writes what it was handed
        (Outbound as IDisposable)?.Dispose();
        (Mailboxes as IDisposable)?.Dispose();
        (Accounts as IDisposable)?.Dispose();
        Directory?.Dispose();
    }

    public static MailServices Open(MailActorsSettings settings)
    {
        if (settings.Storage.Provider == StorageProvider.PostgreSql)
        {
            var postgres = OpenPostgres(settings.Storage.ConnectionString);
            var postgresCipher = ApopSecretCipher.LoadOrCreate(settings.ApopKeyFile);
            return new MailServices
            {
                Settings = settings,
                Accounts = postgres,
                Messages = postgres,
                Mailboxes = new PostgresMailboxes(postgres.DataSource),
                Intake = new PostgresIntake(postgres.DataSource, defaultQuota: settings.DefaultQuota),
                Outbound = new PostgresOutboundQueue(postgres.DataSource),
                ApopCipher = postgresCipher,
                Directory = DirectoryOf(settings, postgres, postgresCipher),
            };
        }
        var store = SqliteStore.Open(PersistenceConfig.SqliteDatabasePath(settings));
        var cipher = ApopSecretCipher.LoadOrCreate(settings.ApopKeyFile);
        return new MailServices
        {
            Settings = settings,
            Accounts = store,
            Messages = store,
            Mailboxes = new SqliteMailboxes(store.Connect),
            Intake = new SqliteIntake(store.Connect, settings.DefaultQuota),
            Outbound = new SqliteOutboundQueue(store.Connect),
            ApopCipher = cipher,
            Directory = DirectoryOf(settings, store, cipher),
        };
    }

    private static LdapDirectory? DirectoryOf(MailActorsSettings settings, IAccountStore accounts, ApopSecretCipher cipher) =>
        settings.Accounts.Ldap is { } ldap ? new LdapDirectory(ldap, settings.LocalDomains, accounts, cipher) : null;

    /// <summary>
    /// Makes sure the schema exists and is migrated, Akka's tables included, before an actor system that did not come
    /// through <see cref="Open"/> reads or writes the journal (the offline ledger, policy and admin facts). On
    /// PostgreSQL the plugin's own table creation is off; on SQLite the plugin creates a new journal itself, but one an
    /// earlier release wrote needs its tags moved into its rows (<see cref="SqliteSchema"/>) before the plugin reads it,
    /// and an offline command may run before the first start of a new release. A SQLite file that is not there is
    /// left for the plugin to create.
    /// </summary>
    public static void EnsureSchema(MailActorsSettings settings)
    {
        if (settings.Storage.Provider == StorageProvider.PostgreSql) OpenPostgres(settings.Storage.ConnectionString).Dispose();
        else if (PersistenceConfig.SqliteDatabasePath(settings) is var path && File.Exists(path)) SqliteStore.Open(path).Dispose();
    }

    /// <summary>Connects and migrates; a bad or unreachable database is one line naming the key (docs/spec.md §14), never the password.</summary>
    private static PostgresStore OpenPostgres(string connectionString)
    {
        const string key = "mailactors.storage.connection-string";
        Npgsql.NpgsqlConnectionStringBuilder parsed;
        try { parsed = new Npgsql.NpgsqlConnectionStringBuilder(connectionString); }
        catch (ArgumentException e) { throw new ConfigurationError($"{key}: not an Npgsql connection string ({e.Message})"); }
        var where = $"{parsed.Host ?? "localhost"}:{parsed.Port}/{parsed.Database ?? parsed.Username ?? "(default database)"}";
        try
        {
            return PostgresStore.OpenAsync(connectionString).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or ArgumentException or InvalidOperationException or TimeoutException)
        {
            throw new ConfigurationError($"{key}: cannot use PostgreSQL at {where}: {OneLine(e)}");
        }
    }

    private static string OneLine(Exception e)
    {
        var inner = e;
        while (inner.InnerException is not null && inner is not Npgsql.PostgresException) inner = inner.InnerException;
        var text = inner == e ? e.Message : $"{e.Message} ({inner.Message})";
        return text.ReplaceLineEndings(" ");
    }
}
