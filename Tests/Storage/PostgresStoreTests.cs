using System.Text;
using MailActors.Storage;
using MailActors.Tests.Support;
using Npgsql;

namespace MailActors.Tests.Storage;

/// <summary>The storage contract on a real PostgreSQL server, each test on a database of its own.</summary>
[Trait("Category", "Slow")]
public sealed class PostgresStoreTests : IAsyncLifetime
{
    private string _connectionString = null!;
    private PostgresStore _store = null!;
    private PostgresIntake _intake = null!;

    public async Task InitializeAsync()
    {
        _connectionString = await PostgresServer.CreateDatabaseAsync();
        _store = await PostgresStore.OpenAsync(_connectionString);
        _intake = new PostgresIntake(_store.DataSource);
    }

    public async Task DisposeAsync()
    {
        _intake.Dispose();
        _store.Dispose();
        await PostgresServer.DropDatabaseAsync(_connectionString);
    }

    private static byte[] Mail(string text) => MessageText.ToCrlf(Encoding.UTF8.GetBytes(text));

    private static IncomingMessage Incoming(string queueId, string[] local, string[] relay, string text = "Subject: hi\n\nhello\n") =>
        new(queueId, $"<{queueId}@mail.test>", "sender@example.test", local, Mail(text), relay, Mail("Received: x\n" + text), "127.0.0.2", relay.Length > 0 ? "alice" : null);

    [Fact]
    public async Task Accounts_are_added_once_found_listed_changed_and_deleted_with_their_mail()
    {
        Assert.True(await _store.AddAccountAsync("bob", "hash-b"));
        Assert.True(await _store.AddAccountAsync("alice", "hash-a"));
        Assert.False(await _store.AddAccountAsync("alice", "other"));

        var alice = (await _store.FindAccountAsync("alice"))!;
        Assert.Equal("hash-a", alice.PasswordHash);
        Assert.Null(alice.ApopSecretSealed);
        Assert.Equal(DateTimeKind.Utc, alice.CreatedUtc.Kind);
        Assert.InRange(alice.CreatedUtc, DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddMinutes(1));
        Assert.Null(await _store.FindAccountAsync("carol"));
        Assert.Equal(["alice", "bob"], (await _store.ListAccountsAsync()).Select(a => a.Name));

        Assert.True(await _store.SetPasswordHashAsync("alice", "hash-a2"));
        Assert.True(await _store.SetApopSecretAsync("alice", [1, 2, 3]));
        Assert.False(await _store.SetPasswordHashAsync("carol", "x"));
        Assert.False(await _store.SetApopSecretAsync("carol", [9]));
        alice = (await _store.FindAccountAsync("alice"))!;
        Assert.Equal("hash-a2", alice.PasswordHash);
        Assert.Equal([1, 2, 3], alice.ApopSecretSealed);

        await _store.DeliverAsync("alice", Mail("Subject: 1\n\n1\n"), null);
        await _store.DeliverAsync("bob", Mail("Subject: 2\n\n2\n"), null);
        Assert.True(await _store.DeleteAccountAsync("alice"));
        Assert.False(await _store.DeleteAccountAsync("alice"));
        Assert.Null(await _store.FindAccountAsync("alice"));
        Assert.Empty(await _store.ListMessagesAsync("alice"));
        Assert.Single(await _store.ListMessagesAsync("bob"));
    }

    [Fact]
    public async Task Delivered_mail_is_listed_in_order_read_back_exactly_and_deleted_only_as_asked()
    {
        var first = await _store.DeliverAsync("alice", Mail("Subject: 1\n\none\n"), "a@remote.test");
        var second = await _store.DeliverAsync("alice", Mail("Subject: 2\n\ntwo\n"), null);
        var third = await _store.DeliverAsync("alice", Mail("Subject: 3\n\nthree\n"), null);
        var bobs = await _store.DeliverAsync("bob", Mail("Subject: b\n\nb\n"), null);

        var list = await _store.ListMessagesAsync("alice");
        Assert.Equal([first.Id, second.Id, third.Id], list.Select(m => m.Id));
        Assert.Equal(3, list.Select(m => m.Uidl).Distinct().Count());
        Assert.Equal(Mail("Subject: 2\n\ntwo\n").Length, list[1].Size);
        Assert.Equal(Mail("Subject: 2\n\ntwo\n"), await _store.ReadMessageAsync("alice", second.Id));
        Assert.Null(await _store.ReadMessageAsync("alice", bobs.Id)); // another account's message is not alice's to read

        await _store.DeleteMessagesAsync("alice", [first.Id, third.Id, bobs.Id]);
        Assert.Equal([second.Id], (await _store.ListMessagesAsync("alice")).Select(m => m.Id));
        Assert.Null(await _store.ReadMessageAsync("alice", first.Id));
        Assert.Single(await _store.ListMessagesAsync("bob")); // not deleted through alice
        await _store.DeleteMessagesAsync("alice", []);
    }

    [Fact]
    public async Task Intake_commits_the_local_copies_and_the_outbound_queue_rows_together()
    {
        await _intake.AcceptAsync(Incoming("Q1", ["alice", "bob"], ["x@remote.test", "y@remote.test"]));

        Assert.Equal(Mail("Subject: hi\n\nhello\n"), await _store.ReadMessageAsync("alice", Assert.Single(await _store.ListMessagesAsync("alice")).Id));
        Assert.Single(await _store.ListMessagesAsync("bob"));
        var queue = await _intake.ListQueueAsync();
        Assert.Equal(["x@remote.test", "y@remote.test"], queue.Select(e => e.Recipient));
        Assert.All(queue, e =>
        {
            Assert.Equal("Q1", e.QueueId);
            Assert.Equal("<Q1@mail.test>", e.MessageId);
            Assert.Equal("alice", e.RelayAccount);
            Assert.Equal(0, e.Attempts);
            Assert.Equal(Mail("Received: x\nSubject: hi\n\nhello\n").Length, e.Size);
            Assert.Equal(DateTimeKind.Utc, e.NextAttemptUtc.Kind);
        });
    }

    [Fact]
    public async Task A_message_whose_transaction_fails_stores_nothing_and_does_not_take_others_with_it()
    {
        await _intake.AcceptAsync(Incoming("Q1", [], ["x@remote.test"]));

        // The same queue id again violates a unique key halfway through the message: after its local copy was inserted.
        var failing = Incoming("Q1", ["bob"], ["y@remote.test"]);
        var good = Enumerable.Range(0, 20).Select(i => _intake.AcceptAsync(Incoming($"G{i}", ["carol"], []))).ToList();
        await Assert.ThrowsAsync<PostgresException>(() => _intake.AcceptAsync(failing));
        await Task.WhenAll(good);

        Assert.Empty(await _store.ListMessagesAsync("bob"));
        Assert.Equal(["x@remote.test"], (await _intake.ListQueueAsync()).Select(e => e.Recipient));
        Assert.Equal(20, (await _store.ListMessagesAsync("carol")).Count);
    }

    [Fact]
    public async Task Many_concurrent_accepts_are_all_committed_once()
    {
        var accepted = Enumerable.Range(0, 200).Select(i => _intake.AcceptAsync(Incoming($"C{i}", ["alice"], [$"r{i}@remote.test"]))).ToList();
        await Task.WhenAll(accepted);

        Assert.Equal(200, (await _store.ListMessagesAsync("alice")).Count);
        var queue = await _intake.ListQueueAsync();
        Assert.Equal(200, queue.Count);
        Assert.Equal(200, queue.Select(e => e.QueueId).Distinct().Count());
        Assert.All(queue, e => Assert.Equal($"r{e.QueueId[1..]}@remote.test", e.Recipient));
    }
}
