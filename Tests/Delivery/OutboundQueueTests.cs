using System.Text;
using MailActors.Storage;

namespace MailActors.Tests.Delivery;

/// <summary>The lease scheme on a real database: one owner at a time, takeover after expiry, outcomes only by the holder.</summary>
public abstract class OutboundQueueContract : IAsyncLifetime
{
    protected IOutboundQueue _queue = null!;
    protected IMailIntake _intake = null!;
    protected IAccountStore _accounts = null!;
    protected IMessageStore _messages = null!;
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);

    public abstract Task InitializeAsync();

    public abstract Task DisposeAsync();

    private Task Queue(string queueId, params string[] recipients) => _intake.AcceptAsync(new IncomingMessage(
        queueId, $"<{queueId}@example.test>", "alice@example.test", [], [], recipients, Encoding.ASCII.GetBytes("Subject: x\r\n\r\nbody\r\n"), "127.0.0.1", null));

    [Fact]
    public async Task A_claimed_recipient_is_not_claimed_again_until_its_lease_runs_out()
    {
        await Queue("Q1", "a@remote.test", "b@remote.test");
        var now = DateTime.UtcNow;
        var first = await _queue.ClaimAsync("node-a", now, Lease, 10);
        Assert.Equal(2, first.Count);
        Assert.Empty(await _queue.ClaimAsync("node-b", now, Lease, 10));
        var takeover = await _queue.ClaimAsync("node-b", now + Lease + TimeSpan.FromSeconds(1), Lease, 10);
        Assert.Equal(first.Select(c => c.Id).Order(), takeover.Select(c => c.Id).Order());
        Assert.Equal("alice@example.test", takeover[0].EnvelopeFrom);
        Assert.Equal("Q1", takeover[0].QueueId);
    }

    [Fact]
    public async Task Concurrent_claims_from_many_nodes_never_hand_out_a_recipient_twice()
    {
        for (var i = 0; i < 20; i++) await Queue($"Q{i}", $"r{i}a@remote.test", $"r{i}b@remote.test");
        var now = DateTime.UtcNow;
        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(n => Task.Run(() => _queue.ClaimAsync($"node-{n}", now, Lease, 7))));
        var ids = claims.SelectMany(c => c).Select(c => c.Id).ToList();
        Assert.Equal(40, ids.Count);
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public async Task Only_the_lease_holder_records_an_outcome()
    {
        await Queue("Q1", "a@remote.test");
        var now = DateTime.UtcNow;
        var job = Assert.Single(await _queue.ClaimAsync("node-a", now, Lease, 10));
        Assert.Single(await _queue.ClaimAsync("node-b", now + Lease + TimeSpan.FromSeconds(1), Lease, 10));
        Assert.False(await _queue.DeliveredAsync(job.Id, "node-a"));
        Assert.True(await _queue.DeliveredAsync(job.Id, "node-b"));
        Assert.Empty(await _queue.ListAsync(DateTime.UtcNow));
        Assert.Null(await _queue.ReadBodyAsync(job.MessageRow)); // the message went with its last recipient
    }

    [Fact]
    public async Task A_deferred_recipient_waits_for_its_time_and_counts_the_attempt()
    {
        await Queue("Q1", "a@remote.test");
        var now = DateTime.UtcNow;
        var job = Assert.Single(await _queue.ClaimAsync("node-a", now, Lease, 10));
        Assert.True(await _queue.DeferredAsync(job.Id, "node-a", now + TimeSpan.FromMinutes(5), "451 4.3.0 later"));
        Assert.Empty(await _queue.ClaimAsync("node-a", now + TimeSpan.FromMinutes(4), Lease, 10));
        var entry = Assert.Single(await _queue.ListAsync(now));
        Assert.Equal(("deferred", 1, "451 4.3.0 later"), (entry.State, entry.Entry.Attempts, entry.Entry.LastError));
        Assert.Equal(new QueueDepth(0, 1, 0), await _queue.DepthAsync(now));
        Assert.Equal(1, await _queue.RetryAsync("Q1", null, now));
        Assert.Equal(2, Assert.Single(await _queue.ClaimAsync("node-a", now, Lease, 10)).Attempts + 1);
    }

    [Fact]
    public async Task A_failed_recipient_leaves_with_its_bounce_in_one_transaction()
    {
        await Queue("Q1", "a@remote.test", "b@remote.test");
        await _accounts.AddAccountAsync("alice", "hash");
        var jobs = await _queue.ClaimAsync("node-a", DateTime.UtcNow, Lease, 10);
        Assert.True(await _queue.FailedAsync(jobs[0].Id, "node-a", "550 no", new BounceDelivery.Local("alice", Encoding.ASCII.GetBytes("Return-Path: <>\r\n\r\nbounce\r\n"))));
        Assert.True(await _queue.FailedAsync(jobs[1].Id, "node-a", "550 no",
            new BounceDelivery.Outbound("B1", "<b1@mail.test>", "alice@elsewhere.test", Encoding.ASCII.GetBytes("Subject: bounce\r\n\r\nx\r\n"))));
        Assert.Single(await _messages.ListMessagesAsync("alice"));
        var bounce = Assert.Single(await _queue.ListAsync(DateTime.UtcNow));
        Assert.Equal(("B1", "", "alice@elsewhere.test"), (bounce.Entry.QueueId, bounce.Entry.EnvelopeFrom, bounce.Entry.Recipient));
    }

    [Fact]
    public async Task Delete_removes_one_recipient_or_the_whole_message()
    {
        await Queue("Q1", "a@remote.test", "b@remote.test");
        Assert.Equal(1, await _queue.DeleteAsync("Q1", "a@remote.test"));
        Assert.Equal(0, await _queue.DeleteAsync("Q-none", null));
        Assert.Equal(1, await _queue.DeleteAsync("Q1", null));
        Assert.Empty(await _queue.ListAsync(DateTime.UtcNow));
    }

}

[Trait("Category", "Slow")]
public sealed class SqliteOutboundQueueTests : OutboundQueueContract
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mailactors-queue-").FullName;
    private SqliteStore _store = null!;

    public override Task InitializeAsync()
    {
        _store = SqliteStore.Open(Path.Combine(_dir, "mailactors.db"));
        (_accounts, _messages) = (_store, _store);
        _queue = new SqliteOutboundQueue(_store.Connect);
        _intake = new SqliteIntake(_store.Connect);
        return Task.CompletedTask;
    }

    public override Task DisposeAsync()
    {
        ((IDisposable)_intake).Dispose();
        ((IDisposable)_queue).Dispose();
        _store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
        return Task.CompletedTask;
    }
}

[Trait("Category", "Slow")]
public sealed class PostgresOutboundQueueTests : OutboundQueueContract
{
    private string _database = null!;
    private PostgresStore _store = null!;

    public override async Task InitializeAsync()
    {
        _database = await MailActors.Tests.Support.PostgresServer.CreateDatabaseAsync();
        _store = await PostgresStore.OpenAsync(_database);
        (_accounts, _messages) = (_store, _store);
        _queue = new PostgresOutboundQueue(_store.DataSource);
        _intake = new PostgresIntake(_store.DataSource);
    }

    public override async Task DisposeAsync()
    {
        ((IDisposable)_intake).Dispose();
        _store.Dispose();
        await MailActors.Tests.Support.PostgresServer.DropDatabaseAsync(_database);
    }
}
