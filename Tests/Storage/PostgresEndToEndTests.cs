using MailActors.Tests.Smtp;
using MailActors.Tests.Support;
using MailKit.Security;

namespace MailActors.Tests.Storage;

/// <summary>
/// The real server with <c>storage.provider = "postgresql"</c> (docs/spec.md §9): mail users with MailKit, the grant journal,
/// several nodes starting on one fresh database, and a database that cannot be used.
/// </summary>
[Trait("Category", "Slow")]
public sealed class PostgresEndToEndTests
{
    [Fact]
    public async Task A_user_logs_in_retrieves_and_deletes_mail_kept_on_postgresql()
    {
        await using var server = await TestServer.StartAsync(storage: TestStorage.Postgres);
        await server.AddUserAsync("alice", "pw");
        await server.DeliverAsync("alice", "Subject: first\n\none\n");
        await server.DeliverAsync("alice", "Subject: second\n\ntwo\n");

        using (var pop = await Pop3Clients.ConnectAsync(server, TestServer.Inside, server.Pop3Port, SecureSocketOptions.None))
        {
            await pop.AuthenticateAsync("alice", "pw");
            Assert.Equal(2, pop.Count);
            Assert.Equal("first", (await pop.GetMessageAsync(0)).Subject);
            Assert.Equal("two", (await pop.GetMessageAsync(1)).TextBody?.TrimEnd());
            await pop.DeleteMessageAsync(0);
            await pop.DisconnectAsync(quit: true);
        }

        var left = Assert.Single(await server.Services.Messages.ListMessagesAsync("alice"));
        using var again = await Pop3Clients.ConnectAsync(server, TestServer.Outside, server.Pop3sPort, SecureSocketOptions.SslOnConnect);
        await again.AuthenticateAsync("alice", "pw");
        Assert.Equal([left.Uidl], await again.GetMessageUidsAsync());
        Assert.Equal("second", (await again.GetMessageAsync(0)).Subject);
        await again.DisconnectAsync(true);
    }

    [Fact]
    public async Task Mail_accepted_by_smtp_is_committed_to_postgresql_and_read_by_pop3()
    {
        await using var server = await TestServer.StartAsync(storage: TestStorage.Postgres);
        await server.AddUserAsync("bob", "bob-pw");

        using (var smtp = await SmtpClients.ConnectAsync(server, TestServer.Outside, server.SmtpPort))
        {
            await smtp.SendAsync(SmtpClients.Message("someone@remote.test", "bob@example.test", "over smtp", "<smtp-1@remote.test>"));
            await smtp.DisconnectAsync(true);
        }

        using var pop = await Pop3Clients.ConnectAsync(server, TestServer.Inside, server.Pop3Port, SecureSocketOptions.None);
        await pop.AuthenticateAsync("bob", "bob-pw");
        Assert.Equal(1, pop.Count);
        var message = await pop.GetMessageAsync(0);
        Assert.Equal("over smtp", message.Subject);
        Assert.Equal("smtp-1@remote.test", message.MessageId);
        Assert.Contains(".a line starting with a dot", message.TextBody);
        Assert.Contains(message.Headers, h => h.Field == "Received");
        await pop.DisconnectAsync(true);
    }

    [Fact]
    public async Task A_pop_before_smtp_grant_is_journaled_in_postgresql_and_survives_a_restart()
    {
        await using var server = await TestServer.StartAsync(storage: TestStorage.Postgres);
        await server.AddUserAsync("alice", SmtpGrantLifecycleTests.Password);
        Assert.StartsWith("554 5.7.1", await SmtpGrantLifecycleTests.RelayReplyAsync(server, TestServer.Outside, server.SmtpPort));

        await SmtpGrantLifecycleTests.PopLoginAsync(server, TestServer.Outside);
        var grant = (await server.GrantForAsync(TestServer.Outside))!;
        await server.RestartAsync();

        Assert.Equal(grant, await server.GrantForAsync(TestServer.Outside));
        Assert.StartsWith("250", await SmtpGrantLifecycleTests.RelayReplyAsync(server, TestServer.Outside, server.SmtpPort));
        Assert.StartsWith("554 5.7.1", await SmtpGrantLifecycleTests.RelayReplyAsync(server, System.Net.IPAddress.Parse("127.0.0.5"), server.SmtpPort)); // no one else's
    }

    [Fact]
    public async Task Three_nodes_starting_at_once_on_an_empty_database_all_come_up()
    {
        // Three single-node clusters on one database: enough to race the migration and the journal's start
        // (each recovers the grant ledger; none writes to it here).
        var database = await PostgresServer.CreateDatabaseAsync();
        var storage = $$"""mailactors.storage { provider = "postgresql", connection-string = "{{database}}" }""";
        var starts = Enumerable.Range(0, 3).Select(_ => Task.Run(() => TestServer.StartAsync(storage))).ToList();
        try
        {
            var nodes = await Task.WhenAll(starts);
            await nodes[0].AddUserAsync("carol", "pw");
            await nodes[0].DeliverAsync("carol", "Subject: shared\n\nseen by every node\n");
            foreach (var node in nodes)
            {
                using var pop = await Pop3Clients.ConnectAsync(node, TestServer.Inside, node.Pop3Port, SecureSocketOptions.None);
                await pop.AuthenticateAsync("carol", "pw");
                Assert.Equal("shared", (await pop.GetMessageAsync(0)).Subject);
                await pop.DisconnectAsync(true);
            }
        }
        finally
        {
            foreach (var start in starts)
                if (start.IsCompletedSuccessfully) await (await start).DisposeAsync();
            await PostgresServer.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task The_offline_grant_commands_work_on_a_database_no_node_has_used_yet()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        var dir = Directory.CreateTempSubdirectory("mailactors-pgcli-").FullName;
        try
        {
            var config = Path.Combine(dir, "mail.conf");
            await File.WriteAllTextAsync(config, $$"""
                mailactors { data-dir = "{{dir}}/data", admin.http = "" }
                mailactors.storage { provider = "postgresql", connection-string = "{{database}}" }
                """);
            // No node ran here, and the journal plugin creates no tables on PostgreSQL: the command must create them.
            var (code, output, error) = await MailActorsCli.RunAsync(config, "", "grants");
            Assert.Equal((0, "no live grants", ""), (code, output.Trim(), error));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
            await PostgresServer.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task An_unreachable_database_stops_start_up_with_one_line_naming_the_connection_string_key()
    {
        var dir = Directory.CreateTempSubdirectory("mailactors-pgbad-").FullName;
        try
        {
            var config = Path.Combine(dir, "mail.conf");
            await File.WriteAllTextAsync(config, $$"""
                mailactors.data-dir = "{{dir}}/data"
                mailactors.storage { provider = "postgresql", connection-string = "Host=127.0.0.1;Port=1;Username=postgres;Password=never-printed;Timeout=5" }
                """);
            var (code, output, error) = await MailActorsCli.RunAsync(config, "", "user", "list");

            Assert.Equal(1, code);
            Assert.Equal("", output);
            var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("mailactors: mailactors.storage.connection-string: cannot use PostgreSQL at 127.0.0.1:1/", line);
            Assert.DoesNotContain("never-printed", line);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
