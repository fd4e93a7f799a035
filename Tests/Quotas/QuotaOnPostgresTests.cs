using System.Text;
using MailActors.Quotas;
using MailActors.Storage;
using MailActors.Tests.Support;

namespace MailActors.Tests.Quotas;

/// <summary>
/// Quotas, aliases and imports on a real PostgreSQL (docs/spec.md §4, §9). The quota is re-checked at commit, under the
/// account row's lock, in the transaction of the insert: two nodes' intakes delivering at once never overfill a mailbox.
/// </summary>
[Trait("Category", "Slow")]
public sealed class QuotaOnPostgresTests : IAsyncLifetime
{
    private string _connectionString = null!;
    private PostgresStore _node1 = null!, _node2 = null!;

    public async Task InitializeAsync()
    {
        _connectionString = await PostgresServer.CreateDatabaseAsync();
        _node1 = await PostgresStore.OpenAsync(_connectionString);
        _node2 = await PostgresStore.OpenAsync(_connectionString);
    }

    public async Task DisposeAsync()
    {
        _node1.Dispose();
        _node2.Dispose();
        await PostgresServer.DropDatabaseAsync(_connectionString);
    }

    private static IncomingMessage Incoming(int n, params string[] local) =>
        new($"Q{n}", null, "sender@far.test", local, Encoding.ASCII.GetBytes($"Subject: {n}\r\n\r\nbody\r\n"), [], [], "127.0.0.2", null);

    [Fact]
    public async Task Two_nodes_delivering_at_once_store_exactly_up_to_the_quota_and_refuse_the_rest_whole()
    {
        await _node1.AddAccountAsync("bob", "h");
        await _node1.AddAccountAsync("alice", "h");
        var mailboxes = new PostgresMailboxes(_node1.DataSource);
        Assert.True(await mailboxes.SetQuotaAsync("bob", null, 5));
        using var intake1 = new PostgresIntake(_node1.DataSource, defaultQuota: new Quota(0, 1000));
        using var intake2 = new PostgresIntake(_node2.DataSource, defaultQuota: new Quota(0, 1000));

        var attempts = Enumerable.Range(1, 40).Select(async n =>
        {
            try
            {
                // Every other message also goes to alice: a refused one must leave no copy of hers either.
                await (n % 2 == 0 ? intake1 : intake2).AcceptAsync(n % 2 == 0 ? Incoming(n, "alice", "bob") : Incoming(n, "bob"));
                return true;
            }
            catch (QuotaReachedException e)
            {
                Assert.Equal("bob", e.Account);
                return false;
            }
        }).ToList();
        var stored = (await Task.WhenAll(attempts)).Count(ok => ok);

        Assert.Equal(5, stored);
        var bobs = await _node2.ListMessagesAsync("bob");
        Assert.Equal(5, bobs.Count);
        var alices = await _node2.ListMessagesAsync("alice");
        Assert.True(alices.Count <= 5);
        Assert.Equal(bobs.Select(m => m.Size).Sum(), (await mailboxes.FindMailboxAsync("bob"))!.UsedBytes);
        Assert.Equal(alices.Count, (await mailboxes.FindMailboxAsync("alice"))!.UsedMessages);
        Assert.True((await mailboxes.FindMailboxAsync("bob"))!.IsFull(Quota.Unlimited));

        await _node1.DeleteMessagesAsync("bob", [bobs[0].Id, bobs[1].Id]);
        var after = (await mailboxes.FindMailboxAsync("bob"))!;
        Assert.Equal((3, bobs.Skip(2).Select(m => m.Size).Sum()), (after.UsedMessages, after.UsedBytes));
        await intake1.AcceptAsync(Incoming(99, "bob"));
    }

    [Fact]
    public async Task Imports_keep_uidls_per_mailbox_skip_what_is_there_count_usage_and_ignore_the_quota()
    {
        await _node1.AddAccountAsync("alice", "h");
        await _node1.AddAccountAsync("bob", "h");
        var mailboxes = new PostgresMailboxes(_node1.DataSource);
        await mailboxes.SetQuotaAsync("alice", 1, 1);
        ImportedMessage M(string key, string uidl) => new(key, uidl, Encoding.ASCII.GetBytes($"Subject: {key}\r\n\r\n"), DateTime.UtcNow);

        Assert.Equal(3, await mailboxes.ImportAsync("alice", [M("maildir:a", "000000016b142b0a"), M("maildir:b", "000000026b142b0a"), M("maildir:c", "000000036b142b0a")]));
        Assert.Equal(1, await mailboxes.ImportAsync("bob", [M("maildir:a", "000000016b142b0a")])); // the same Dovecot UIDL in another mailbox
        Assert.Equal(1, await mailboxes.ImportAsync("alice", [M("maildir:a", "other"), M("maildir:d", "000000046b142b0a"), M("maildir:e", "000000036b142b0a")]));
        Assert.Equal(["000000016b142b0a", "000000026b142b0a", "000000036b142b0a", "000000046b142b0a"],
            (await _node2.ListMessagesAsync("alice")).Select(m => m.Uidl));
        Assert.Equal(4, (await mailboxes.FindMailboxAsync("alice"))!.UsedMessages);

        await mailboxes.SetAliasAsync("team@example.test", ["alice", "x@far.test"]);
        await mailboxes.SetAliasAsync("team@example.test", ["bob"]);
        Assert.Equal(["bob"], await mailboxes.FindAliasAsync("team@example.test"));
        Assert.Equal(["team@example.test"], (await mailboxes.ListAliasesAsync()).Select(a => a.Address));
        Assert.True(await mailboxes.DeleteAliasAsync("team@example.test"));
        Assert.Null(await mailboxes.FindAliasAsync("team@example.test"));
    }
}
