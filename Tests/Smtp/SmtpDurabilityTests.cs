using MailActors.Tests.Support;
using MailKit.Security;

namespace MailActors.Tests.Smtp;

/// <summary>250 means durable (docs/spec.md §6): the real executable is killed right after the reply, and the message is there (on either provider).</summary>
[Trait("Category", "Slow")]
public sealed class SmtpDurabilityTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mailactors-kill-").FullName;

    [Theory]
    [InlineData(TestStorage.Sqlite)]
    [InlineData(TestStorage.Postgres)]
    public async Task A_message_answered_250_survives_killing_the_server_at_once(TestStorage storage)
    {
        var config = Path.Combine(_dir, "mail.conf");
        var database = storage == TestStorage.Postgres ? await PostgresServer.CreateDatabaseAsync() : null;
        var storageHocon = database is null ? "" : $$"""mailactors.storage { provider = "postgresql", connection-string = "{{database}}" }""";
        string ConfigFor(int smtpPort) => ServerProcess.SmtpOnlyConfig($"{_dir}/data", smtpPort, storageHocon);
        await File.WriteAllTextAsync(config, ConfigFor(TestServer.FreePort()));
        Assert.Equal(0, await ServerProcess.RunToEndAsync(config, "pw\n", "user", "add", "carol", "--password-stdin"));

        var (server, smtpPort) = await ServerProcess.ServeAsync(config, ConfigFor);
        using var _ = server;
        try
        {
            await ServerProcess.SendAsync(smtpPort, "carol@example.test", "kept", "must survive");
            server.Kill(entireProcessTree: true);
        }
        finally
        {
            await ServerProcess.KillAsync(server);
        }

        try
        {
            await using var restarted = await TestServer.StartAsync($$"""
                mailactors.data-dir = "{{_dir}}/data"
                {{storageHocon}}
                """);
            using var pop = await Pop3Clients.ConnectAsync(restarted, TestServer.Inside, restarted.Pop3Port, SecureSocketOptions.None);
            await pop.AuthenticateAsync("carol", "pw");
            Assert.Equal(1, pop.Count);
            Assert.Equal("kept", (await pop.GetMessageAsync(0)).Subject);
            await pop.DisconnectAsync(true);
        }
        finally
        {
            if (database is not null) await PostgresServer.DropDatabaseAsync(database);
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }
}
