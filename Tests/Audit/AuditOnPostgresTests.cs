using System.Text.Json;
using MailActors.Tests.Support;
using MailKit.Security;
using Npgsql;

namespace MailActors.Tests.Audit;

/// <summary><c>mailactors audit</c> on a PostgreSQL journal (docs/spec.md §8, 9): the same facts, the same chain, found offline.</summary>
[Trait("Category", "Slow")]
public sealed class AuditOnPostgresTests
{
    [Fact]
    public async Task A_relayed_message_is_traced_to_its_login_and_an_edited_row_is_caught()
    {
        await using var server = await TestServer.StartAsync(storage: TestStorage.Postgres);
        var config = server.ConfigFile();
        await server.AddUserAsync("alice", "pw");
        using (var pop = await Pop3Clients.ConnectAsync(server, TestServer.Outside, server.Pop3sPort, SecureSocketOptions.SslOnConnect))
        {
            await pop.AuthenticateAsync("alice", "pw");
            await pop.DisconnectAsync(true);
        }
        using (var smtp = await SmtpClients.ConnectAsync(server, TestServer.Outside, server.SmtpPort))
        {
            await smtp.SendAsync(SmtpClients.Message("alice@example.test", "friend@remote.test", messageId: "pg-1@client.test"));
            await smtp.DisconnectAsync(true);
        }
        await server.StopAsync();

        var relayed = await MailActorsCli.RunAsync(config, "", "audit", "--kind", "relay-accepted", "--format", "json");
        Assert.Equal(0, relayed.Code);
        var fact = JsonDocument.Parse(relayed.Out).RootElement;
        Assert.Equal(("<pg-1@client.test>", "alice", "grant", "127.0.0.2"),
            (fact.GetProperty("message_id").GetString(), fact.GetProperty("account").GetString(), fact.GetProperty("mechanism").GetString(),
             fact.GetProperty("grant_key").GetString()));
        // the node's audit stream, the grant ledger and the policy singleton's
        Assert.Matches(@"^OK: \d+ events in 3 streams", (await MailActorsCli.RunAsync(config, "", "audit", "--verify")).Out);

        await using (var db = new NpgsqlConnection(server.PostgresConnectionString))
        {
            await db.OpenAsync();
            await using var edit = new NpgsqlCommand(
                "UPDATE journal SET message = convert_to(replace(convert_from(message, 'UTF8'), '\"account\":\"alice\"', '\"account\":\"mally\"'), 'UTF8') " +
                "WHERE persistence_id = 'grant-ledger' AND sequence_number = 1", db);
            Assert.Equal(1, await edit.ExecuteNonQueryAsync());
        }
        var verify = await MailActorsCli.RunAsync(config, "", "audit", "--verify");
        Assert.Equal(1, verify.Code);
        Assert.Contains("BROKEN: stream grant-ledger, sequence 1: its contents do not match its hash", verify.Out);
    }
}
