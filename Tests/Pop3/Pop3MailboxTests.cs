using MailActors.Tests.Support;
using MailKit.Net.Pop3;
using MailKit.Security;

namespace MailActors.Tests.Pop3;

/// <summary>The maildrop lock, DELE at QUIT only, and mail that survives a restart.</summary>
[Trait("Category", "Slow")]
public class Pop3MailboxTests : IAsyncLifetime
{
    private TestServer _server = null!;

    /// <summary>Where the server keeps mail; <see cref="Pop3MailboxOnPostgresTests"/> runs every test on PostgreSQL.</summary>
    protected virtual TestStorage Storage => TestStorage.Sqlite;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(storage: Storage);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<Pop3Client> LoginAsync(string user, string password = "pw")
    {
        var client = await Pop3Clients.ConnectAsync(_server, TestServer.Inside, _server.Pop3Port, SecureSocketOptions.None);
        await client.AuthenticateAsync(user, password);
        return client;
    }

    [Fact]
    public async Task A_second_login_to_a_locked_mailbox_gets_in_use_until_the_first_session_quits()
    {
        await _server.AddUserAsync("locked", "pw");
        using var first = await LoginAsync("locked");

        await using (var second = await RawClient.ConnectAsync(TestServer.Inside, _server.Pop3Port))
        {
            Assert.StartsWith("-ERR [IN-USE]", await second.LoginAsync("locked", "pw"));
        }

        await first.DisconnectAsync(quit: true);
        using var third = await LoginAsync("locked");
        Assert.True(third.IsAuthenticated);
    }

    [Fact]
    public async Task A_session_that_drops_its_connection_releases_the_lock()
    {
        await _server.AddUserAsync("dropper", "pw");
        var raw = await RawClient.ConnectAsync(TestServer.Inside, _server.Pop3Port);
        Assert.StartsWith("+OK", await raw.LoginAsync("dropper", "pw"));
        raw.Abort();

        await Eventually.AssertAsync(async () =>
        {
            await using var again = await RawClient.ConnectAsync(TestServer.Inside, _server.Pop3Port);
            return (await again.LoginAsync("dropper", "pw"))!.StartsWith("+OK");
        }, "the dropped session's lock is released");
    }

    [Fact]
    public async Task Dele_takes_effect_only_at_quit_never_after_a_dropped_connection()
    {
        await _server.AddUserAsync("deleter", "pw");
        await _server.DeliverAsync("deleter", "Subject: a\n\nA\n");
        await _server.DeliverAsync("deleter", "Subject: b\n\nB\n");

        var raw = await RawClient.ConnectAsync(TestServer.Inside, _server.Pop3Port);
        Assert.StartsWith("+OK", await raw.LoginAsync("deleter", "pw"));
        Assert.StartsWith("+OK", await raw.CommandAsync("DELE 1"));
        raw.Abort();

        await Eventually.AssertAsync(async () =>
        {
            try
            {
                using var client = await LoginAsync("deleter");
                var count = client.Count;
                await client.DisconnectAsync(true);
                return count == 2;
            }
            catch (MailKit.Security.AuthenticationException) { return false; } // [IN-USE]: still locked by the dropped session
        }, "both messages are still there");

        using (var client = await LoginAsync("deleter"))
        {
            await client.DeleteMessageAsync(0);
            Assert.Equal(2, client.Count); // marked, not yet removed
            await client.DisconnectAsync(quit: true);
        }
        using var after = await LoginAsync("deleter");
        Assert.Equal(1, after.Count);
        Assert.Equal("b", (await after.GetMessageAsync(0)).Subject);
    }

    [Fact]
    public async Task Rset_unmarks_deleted_messages()
    {
        await _server.AddUserAsync("resetter", "pw");
        await _server.DeliverAsync("resetter", "Subject: keep\n\nK\n");
        await using var raw = await RawClient.ConnectAsync(TestServer.Inside, _server.Pop3Port);
        Assert.StartsWith("+OK", await raw.LoginAsync("resetter", "pw"));
        await raw.CommandAsync("DELE 1");
        Assert.StartsWith("-ERR", await raw.CommandAsync("RETR 1"));
        Assert.StartsWith("+OK maildrop has 1", await raw.CommandAsync("RSET"));
        Assert.Equal("+OK bye", await raw.CommandAsync("QUIT"));
        using var client = await LoginAsync("resetter");
        Assert.Equal(1, client.Count);
    }

    [Fact]
    public async Task A_restart_keeps_mail_and_uidls()
    {
        await _server.AddUserAsync("keeper", "pw");
        await _server.DeliverAsync("keeper", "Subject: one\n\n1\n");
        await _server.DeliverAsync("keeper", "Subject: two\n\n.starts with a dot\n");

        IList<string> before;
        using (var client = await LoginAsync("keeper"))
        {
            before = await client.GetMessageUidsAsync();
            await client.DisconnectAsync(true);
        }
        Assert.Equal(2, before.Distinct().Count());

        await _server.RestartAsync();

        using var again = await LoginAsync("keeper");
        Assert.Equal(before, await again.GetMessageUidsAsync());
        var second = await again.GetMessageAsync(1);
        Assert.Equal(".starts with a dot", second.TextBody?.TrimEnd());
    }

    [Fact]
    public async Task Top_returns_the_headers_and_the_first_lines_unstuffed()
    {
        await _server.AddUserAsync("topper", "pw");
        await _server.DeliverAsync("topper", "Subject: top\n\nline one\n.line two\nline three\n");
        await using var raw = await RawClient.ConnectAsync(TestServer.Inside, _server.Pop3Port);
        Assert.StartsWith("+OK", await raw.LoginAsync("topper", "pw"));
        Assert.StartsWith("+OK", await raw.CommandAsync("TOP 1 2"));
        var lines = new List<string>();
        for (var line = await raw.ReadLineAsync(); line != "."; line = await raw.ReadLineAsync()) lines.Add(line!);
        Assert.Equal(["Subject: top", "", "line one", "..line two"], lines);
    }
}

/// <summary>The same mailbox behaviour with mail on PostgreSQL.</summary>
[Trait("Category", "Slow")]
public sealed class Pop3MailboxOnPostgresTests : Pop3MailboxTests
{
    protected override TestStorage Storage => TestStorage.Postgres;
}
