using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Runtime.Serialization;
using System.Text.Json;
using MailActors.Audit;
using MailActors.Configuration;
using MailActors.Grants;
using MailActors.Host.Server;
using MailActors.Serialization;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace MailActors.Host.Audit;

/// <summary>
/// Reads every audit stream (the grant ledger's, the policy's and each node's) straight from the journal table that
/// Akka.Persistence.Sql writes (docs/spec.md §8), on SQLite or PostgreSQL, with no actor system and no node running.
/// A stream is read a page at a time by keyset (its persistence id and the sequence numbers after the last one read), the
/// next page fetched while the caller works on this one, so a journal of any size is walked in bounded memory and time
/// linear in its rows. (The plugin's own by-persistence-id query joined every row to the tags table while tags had a
/// table of their own; its replay goes through an actor and Akka.Streams per page; both were the bulk of the time.) A
/// row that cannot be read is reported in its place, and reading goes on after it, so that <c>--verify</c> can name it.
/// </summary>
public sealed class AuditJournal : IAsyncDisposable
{
    private readonly DbConnection? _db; // null: there is no journal yet (a SQLite file never created)
    private readonly int _pageSize;

    private AuditJournal(DbConnection? db, int pageSize)
    {
        _db = db;
        _pageSize = pageSize;
    }

    public const int DefaultPageSize = 5000;

    /// <summary>The journal for the CLI, which runs with no node: on PostgreSQL it first connects (a bad connection string
    /// is one line naming the key) and creates the schema, as a node would.</summary>
    public static AuditJournal Open(MailActorsSettings settings, int pageSize = DefaultPageSize)
    {
        // On PostgreSQL the tables may not exist yet; a SQLite file (perhaps an auditor's copy) is read as it is.
        if (settings.Storage.Provider == StorageProvider.PostgreSql) MailServices.EnsureSchema(settings);
        return OnNode(settings, pageSize);
    }

    /// <summary>The journal as a running node reads it, whose schema is in place.</summary>
    public static AuditJournal OnNode(MailActorsSettings settings, int pageSize = DefaultPageSize)
    {
        if (settings.Storage.Provider == StorageProvider.PostgreSql)
        {
            var pg = new NpgsqlConnection(settings.Storage.ConnectionString);
            pg.Open();
            return new AuditJournal(pg, pageSize);
        }
        var path = PersistenceConfig.SqliteDatabasePath(settings);
        if (!File.Exists(path)) return new AuditJournal(null, pageSize);
        var sqlite = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWrite, // not ReadOnly: a reader of a WAL database may need to create its -shm file
            DefaultTimeout = 30,
            Pooling = false,
        }.ToString());
        sqlite.Open();
        return new AuditJournal(sqlite, pageSize);
    }

    public static bool IsAuditStream(string persistenceId) =>
        persistenceId == GrantLedgerActor.Id || persistenceId == Policy.PolicyOwnerActor.Id || persistenceId.StartsWith(AuditWriter.StreamPrefix, StringComparison.Ordinal);

    /// <summary>The audit streams in the journal, in ordinal order of their names.</summary>
    public async Task<IReadOnlyList<string>> StreamsAsync()
    {
        if (_db is null || !await HasJournalAsync(_db)) return [];
        // The distinct persistence ids by skipping through the (persistence_id, sequence_number) index, one probe per
        // stream, rather than a scan of every row.
        await using var command = _db.CreateCommand();
        command.CommandText = """
            WITH RECURSIVE ids(id) AS (
                SELECT MIN(persistence_id) FROM journal
                UNION ALL
                SELECT (SELECT MIN(persistence_id) FROM journal WHERE persistence_id > ids.id) FROM ids WHERE ids.id IS NOT NULL)
            SELECT id FROM ids WHERE id IS NOT NULL
            """;
        var streams = new List<string>();
        await using var rows = await command.ExecuteReaderAsync();
        while (await rows.ReadAsync()) streams.Add(rows.GetString(0));
        return streams.Where(IsAuditStream).Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// One stream's events in sequence order. With <paramref name="only"/>, just the rows stored under those facts'
    /// manifests (selected by the database, before any is decoded); the others are not read at all.
    /// </summary>
    public async IAsyncEnumerable<AuditEntry> ReadAsync(string stream, IReadOnlyCollection<Type>? only = null,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        if (_db is null) yield break;
        var manifests = only?.SelectMany(FactCodec.ManifestsOf).ToList();
        if (manifests is { Count: 0 }) yield break;
        var page = ReadPageAsync(stream, after: 0, manifests, ct);
        try
        {
            while (true)
            {
                var entries = await page;
                if (entries.Length == 0) yield break;
                // the next page is read and decoded while the caller works through this one
                page = entries.Length < _pageSize ? Task.FromResult(Array.Empty<AuditEntry>()) : ReadPageAsync(stream, entries[^1].SequenceNr, manifests, ct);
                foreach (var entry in entries) yield return entry;
            }
        }
        finally
        {
            if (!page.IsCompleted) await page.ContinueWith(_ => { }, TaskScheduler.Default); // the connection is free again when we leave
        }
    }

    /// <summary>Every stream's entries, stream after stream (in <see cref="StreamsAsync"/> order), each in sequence order.</summary>
    public async IAsyncEnumerable<AuditEntry> ReadAllAsync(IReadOnlyCollection<Type>? only = null, [EnumeratorCancellation] CancellationToken ct = default)
    {
        foreach (var stream in await StreamsAsync())
            await foreach (var entry in ReadAsync(stream, only, ct))
                yield return entry;
    }

    private Task<AuditEntry[]> ReadPageAsync(string stream, long after, List<string>? manifests, CancellationToken ct) => Task.Run(async () =>
    {
        await using var command = _db!.CreateCommand();
        var kinds = manifests is null ? "" : $"AND manifest IN ({string.Join(", ", manifests.Select((_, i) => $"@m{i}"))})";
        command.CommandText = $"""
            SELECT sequence_number, manifest, identifier, message FROM journal
            WHERE persistence_id = @stream AND sequence_number > @after AND deleted = @deleted {kinds}
            ORDER BY sequence_number LIMIT @page
            """;
        Parameter(command, "@stream", stream);
        Parameter(command, "@after", after);
        Parameter(command, "@deleted", false);
        Parameter(command, "@page", _pageSize);
        for (var i = 0; i < (manifests?.Count ?? 0); i++) Parameter(command, $"@m{i}", manifests![i]);

        var stored = new List<(long SequenceNr, string? Manifest, int? Serializer, byte[] Message)>(_pageSize);
        await using (var rows = await command.ExecuteReaderAsync(ct))
            while (await rows.ReadAsync(ct))
                stored.Add((rows.GetInt64(0), rows.IsDBNull(1) ? null : rows.GetString(1), rows.IsDBNull(2) ? null : rows.GetInt32(2), rows.GetFieldValue<byte[]>(3)));
        // decoding is most of the work: the page's rows are decoded on every core, each into its own place
        var entries = new AuditEntry[stored.Count];
        Parallel.For(0, stored.Count, i => entries[i] = Entry(stream, stored[i].SequenceNr, stored[i].Manifest, stored[i].Serializer, stored[i].Message));
        return entries;
    }, ct);

    /// <summary>One stored row as an entry: its chained fact, or why it cannot be read.</summary>
    private static AuditEntry Entry(string stream, long sequenceNr, string? manifest, int? serializer, byte[] message)
    {
        if (serializer != MailActorsSerializer.Id)
            return new AuditEntry(stream, sequenceNr, null, $"not written by MailActors' serializer (serializer {serializer?.ToString() ?? "none"})");
        if (manifest is null || !FactCodec.Knows(manifest)) return new AuditEntry(stream, sequenceNr, null, $"unknown manifest \"{manifest}\"");
        try
        {
            return ChainedCodec.Decode(manifest, message) is Chained link
                ? new AuditEntry(stream, sequenceNr, link)
                : new AuditEntry(stream, sequenceNr, null, $"not a chained fact ({manifest})");
        }
        catch (Exception e) when (e is JsonException or SerializationException or InvalidOperationException or KeyNotFoundException
                                      or NotSupportedException or ArgumentException)
        {
            return new AuditEntry(stream, sequenceNr, null, e.Message.Split('\n')[0]);
        }
    }

    private static async Task<bool> HasJournalAsync(DbConnection db)
    {
        await using var command = db.CreateCommand();
        command.CommandText = db is SqliteConnection
            ? "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'journal'"
            : "SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = 'journal' AND schemaname = ANY (current_schemas(false))";
        return Convert.ToInt64(await command.ExecuteScalarAsync()) > 0;
    }

    private static void Parameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    public async ValueTask DisposeAsync()
    {
        if (_db is not null) await _db.DisposeAsync();
    }
}
