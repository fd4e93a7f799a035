using Akka.Actor;
using MailActors.Audit;
using MailActors.Configuration;
using MailActors.Host.Audit;
using MailActors.Host.Server;
using MailActors.Tests.Support;

namespace MailActors.Tests.Audit;

/// <summary>
/// The offline reader of the audit journal (docs/spec.md §8) on rows the real journal plugin wrote: streams written
/// interleaved, read back a few rows per page (by keyset, across page boundaries), whole and by kind, on SQLite and on
/// PostgreSQL.
/// </summary>
[Trait("Category", "Slow")]
public sealed class AuditJournalTests
{
    private const int PageSize = 4;
    private const int FactsEach = 12; // three whole pages: the reader must see that the fourth is empty
    private static readonly DateTime T0 = new(2026, 11, 27, 10, 0, 0, DateTimeKind.Utc);
    private static readonly string[] Streams = ["audit-a:4053-1", "audit-b:4053-2", "audit-c:4053-3"];

    public static TheoryData<StorageProvider> Providers => new() { StorageProvider.Sqlite, StorageProvider.PostgreSql };

    [Theory, MemberData(nameof(Providers))]
    public async Task Interleaved_streams_read_back_whole_in_sequence_order_across_page_boundaries(StorageProvider provider)
    {
        await using var db = await JournalDatabase.CreateAsync(provider);
        var written = await WriteInterleavedAsync(db);
        await using var journal = AuditJournal.Open(db.Settings, PageSize);
        Assert.Equal(Streams, await journal.StreamsAsync());
        foreach (var stream in Streams)
        {
            var read = journal.ReadAsync(stream).ToBlockingEnumerable().ToList();
            Assert.Equal(Enumerable.Range(1, FactsEach).Select(i => (long)i), read.Select(e => e.SequenceNr));
            Assert.Equal(written[stream], read.Select(e => e.Link!.Fact));
            Assert.Empty(ChainVerifier.Verify(stream, read));
        }
        Assert.Equal(Streams.Length * FactsEach, journal.ReadAllAsync().ToBlockingEnumerable().Count());
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task Reading_by_kind_returns_only_those_facts_with_their_own_sequence_numbers(StorageProvider provider)
    {
        await using var db = await JournalDatabase.CreateAsync(provider);
        var written = await WriteInterleavedAsync(db);
        await using var journal = AuditJournal.Open(db.Settings, PageSize);
        var relays = journal.ReadAsync(Streams[1], [typeof(RelayAccepted)]).ToBlockingEnumerable().ToList();
        Assert.Equal([2L, 5, 8, 11], relays.Select(e => e.SequenceNr));
        Assert.Equal(written[Streams[1]].OfType<RelayAccepted>(), relays.Select(e => e.Link!.Fact));
        var logins = journal.ReadAllAsync([typeof(AuthSucceeded), typeof(AuthFailed)]).ToBlockingEnumerable().ToList();
        Assert.Equal(Streams.Length * FactsEach * 2 / 3, logins.Count);
        Assert.All(logins, e => Assert.IsNotType<RelayAccepted>(e.Link!.Fact));
    }

    [Theory, MemberData(nameof(Providers))]
    public async Task A_row_that_cannot_be_read_is_reported_in_its_place_and_reading_goes_on(StorageProvider provider)
    {
        await using var db = await JournalDatabase.CreateAsync(provider);
        await WriteInterleavedAsync(db);
        Assert.Equal(1, await db.ExecuteAsync("UPDATE journal SET message = @m WHERE persistence_id = @p AND sequence_number = 4",
            ("@m", "{\"prev\":"u8.ToArray()), ("@p", Streams[0])));
        Assert.Equal(1, await db.ExecuteAsync("UPDATE journal SET manifest = 'no-such-fact.v9' WHERE persistence_id = @p AND sequence_number = 5",
            ("@p", Streams[0])));

        await using var journal = AuditJournal.Open(db.Settings, PageSize);
        var read = journal.ReadAsync(Streams[0]).ToBlockingEnumerable().ToList();
        Assert.Equal(Enumerable.Range(1, FactsEach).Select(i => (long)i), read.Select(e => e.SequenceNr));
        Assert.Equal([4L, 5], read.Where(e => e.Link is null).Select(e => e.SequenceNr));
        Assert.Contains("unknown manifest \"no-such-fact.v9\"", read[4].ReadError);
        var findings = ChainVerifier.Verify(Streams[0], read).ToList();
        Assert.Equal([4L, 5], findings.Select(f => f.SequenceNr));
        Assert.All(findings, f => Assert.StartsWith("cannot be read", f.Problem));
    }

    /// <summary>
    /// Facts told without waiting linger and go to the journal as one batch (issue 16); a checkpoint's question for the
    /// stream head takes them with it, so the head it gets covers every fact told before it asked, in order.
    /// </summary>
    [Fact]
    public async Task Facts_told_without_waiting_are_written_in_order_and_a_stream_head_asked_next_covers_them()
    {
        await using var db = await JournalDatabase.CreateAsync(StorageProvider.Sqlite);
        var system = db.StartSystem();
        var told = Enumerable.Range(0, 30).Select(i => Fact(i, Streams[0])).ToList();
        StreamHead head;
        try
        {
            var writer = system.ActorOf(Props.Create(() => new AuditWriter(Streams[0])));
            foreach (var fact in told) writer.Tell(fact);
            head = await writer.Ask<StreamHead>(StreamHead.Get.Instance, TimeSpan.FromSeconds(30));
        }
        finally
        {
            await system.Terminate();
        }

        Assert.Equal(told.Count, head.Seq);
        await using var journal = AuditJournal.Open(db.Settings, PageSize);
        var read = journal.ReadAsync(Streams[0]).ToBlockingEnumerable().ToList();
        Assert.Equal(told, read.Select(e => e.Link!.Fact));
        Assert.Empty(ChainVerifier.Verify(Streams[0], read));
        Assert.Equal(read[^1].Link!.Hash, head.Hash);
    }

    [Fact]
    public async Task A_journal_never_written_has_no_streams()
    {
        var dir = Directory.CreateTempSubdirectory("mailactors-journal-").FullName;
        var settings = JournalDatabase.Load($"mailactors.data-dir = \"{dir}\"").Settings;
        await using var journal = AuditJournal.Open(settings);
        Assert.Empty(await journal.StreamsAsync());
        Assert.False(File.Exists(PersistenceConfig.SqliteDatabasePath(settings)), "reading created no database");
        Directory.Delete(dir, recursive: true);
    }

    /// <summary>
    /// Three node streams written through the real <see cref="AuditWriter"/> and journal plugin, one fact to each in turn,
    /// so that their rows interleave in the table: per stream, a login, a relay, a failed login, and again.
    /// </summary>
    private static async Task<Dictionary<string, List<IAuditFact>>> WriteInterleavedAsync(JournalDatabase db)
    {
        var system = db.StartSystem();
        try
        {
            var writers = Streams.ToDictionary(s => s, s => system.ActorOf(Props.Create(() => new AuditWriter(s))));
            var written = Streams.ToDictionary(s => s, _ => new List<IAuditFact>());
            for (var i = 0; i < FactsEach; i++)
                foreach (var stream in Streams)
                {
                    var fact = Fact(i, stream);
                    await writers[stream].Ask<AuditWriter.Recorded>(new AuditWriter.Record(fact), TimeSpan.FromSeconds(30));
                    written[stream].Add(fact);
                }
            return written;
        }
        finally
        {
            await system.Terminate();
        }
    }

    private static IAuditFact Fact(int i, string stream)
    {
        var at = T0.AddSeconds(i);
        var address = $"198.51.100.{i + 1}";
        return (i % 3) switch
        {
            0 => new AuthSucceeded(address, "alice", "pop3s", "userpass", "pop3s-userpass", "outside", stream, at),
            1 => new RelayAccepted($"Q{i:D4}", $"<m{i}@{stream}>", "alice@example.test", 1, address, "submission", "grant",
                "submission-pop-before-smtp", "alice", address, at.AddSeconds(-1), stream, at),
            _ => new AuthFailed(address, "alice", "pop3s", "userpass", "pop3s-userpass", "outside", "bad-credentials", stream, at),
        };
    }
}
