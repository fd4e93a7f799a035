using MailActors.Accounts;
using MailActors.Configuration;
using MailActors.Storage;

namespace MailActors.Host.Server;

/// <summary>Storage and accounts opened from settings: what both the server and the CLI commands use.</summary>
public sealed class MailServices : IDisposable
{
    public required MailActorsSettings Settings { get; init; }
    public required IAccountStore Accounts { get; init; }
    public required IMessageStore Messages { get; init; }
    public required ApopSecretCipher ApopCipher { get; init; }
    public required IMailIntake Intake { get; init; }
    public required IOutboundQueue Outbound { get; init; }

    public void Dispose()
    {
        (Intake as IDisposable)?.Dispose(); // first: it writes what it was handed
        (Outbound as IDisposable)?.Dispose();
        (Accounts as IDisposable)?.Dispose();
    }

    public static MailServices Open(MailActorsSettings settings)
    {
        var store = settings.Storage.Provider switch
        {
            StorageProvider.Sqlite => SqliteStore.Open(PersistenceConfig.SqliteDatabasePath(settings)),
            _ => throw new ConfigurationError(
                "mailactors.storage.provider: \"postgresql\" is not available in this build yet; use \"sqlite\""),
        };
        return new MailServices
        {
            Settings = settings,
            Accounts = store,
            Messages = store,
            Intake = new SqliteIntake(store.Connect),
            Outbound = new SqliteOutboundQueue(store.Connect),
            ApopCipher = ApopSecretCipher.LoadOrCreate(settings.ApopKeyFile),
        };
    }
}
