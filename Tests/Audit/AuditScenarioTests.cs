using System.Net;
using System.Text.Json;
using MailActors.Tests.Support;
using MailKit.Security;
using Microsoft.Data.Sqlite;

namespace MailActors.Tests.Audit;

/// <summary>
/// A day's events on a real server — outside logins, a grant, a relayed message, a refused relay, a failed login,
/// a clear-text refusal, an expiry, an administrator's change — played once; the tests then read its stopped database.
/// </summary>
public sealed class AuditScenario : IAsyncLifetime
{
    private const string Password = "alice-login-pw";
    public const string MessageId = "audit-1@client.test";
    public const string LocalMessageId = "local-1@inside.test";
    private static readonly IPAddress Stranger = IPAddress.Parse("127.0.0.5");

    public TestServer Server { get; private set; } = null!;
    public string CliConfig { get; private set; } = null!;
    public DateTime GrantFrom { get; private set; }
    public DateTime GrantUntil { get; private set; }

    public async Task InitializeAsync()
    {
        Server = await TestServer.StartAsync("""
            mailactors.pop-before-smtp.window = 6s
            mailactors.audit.checkpoint-interval = 1s
            """, admin: true);
        CliConfig = Server.ConfigFile();
        await Server.AddUserAsync("alice", Password);

        using (var pop = await Pop3Clients.ConnectAsync(Server, TestServer.Outside, Server.Pop3sPort, SecureSocketOptions.SslOnConnect))
        {
            await pop.AuthenticateAsync("alice", Password);
            await pop.DisconnectAsync(true);
        }
        var grant = (await Server.GrantForAsync(TestServer.Outside))!;
        (GrantFrom, GrantUntil) = (grant.IssuedAt, grant.ExpiresAt);

        using (var smtp = await SmtpClients.ConnectAsync(Server, TestServer.Outside, Server.SubmissionPort))
        {
            await smtp.SendAsync(SmtpClients.Message("alice@example.test", "friend@remote.test", messageId: MessageId));
            await smtp.DisconnectAsync(true);
        }
        await using (var raw = await RawClient.ConnectAsync(Stranger, Server.SmtpPort))
        {
            await raw.ReadReplyAsync();
            await raw.SmtpCommandAsync("EHLO stranger.test");
            await raw.SmtpCommandAsync("MAIL FROM:<spam@stranger.test>");
            Assert.StartsWith("554 5.7.1", await raw.SmtpCommandAsync("RCPT TO:<victim@remote.test>"));
        }
        await using (var raw = await RawClient.ConnectAsync(TestServer.Outside, Server.Pop3Port))
        {
            await raw.ReadLineAsync();
            Assert.StartsWith("-ERR", await raw.CommandAsync("USER alice")); // clear text from outside
        }
        using (var pop = await Pop3Clients.ConnectAsync(Server, TestServer.Outside, Server.Pop3sPort, SecureSocketOptions.SslOnConnect))
            await Assert.ThrowsAsync<MailKit.Security.AuthenticationException>(() => pop.AuthenticateAsync("alice", "wrong"));

        await Eventually.AssertAsync(async () => await Server.GrantForAsync(TestServer.Outside) is null, "the grant expires",
            TimeSpan.FromSeconds(30));
        var changed = await MailActorsCli.RunAsync(CliConfig, "n3w-pw\n", "user", "passwd", "alice", "--password-stdin");
        Assert.Equal(0, changed.Code);
        var last = (Code: 0, Out: "", Err: "");
        try
        {
            await Eventually.AssertAsync(async () => (last = await MailActorsCli.RunAsync(CliConfig, "", "audit", "--kind", "grant-expired")).Out.Contains("grant-expired"),
                $"the expiry is recorded", TimeSpan.FromSeconds(60));
        }
        catch (Exception)
        {
            throw new Exception($"audit said {last.Code}: {last.Out} / {last.Err}");
        }
        // last, from inside (no grant): a local message delivered, then retrieved and deleted by a POP3 session
        using (var smtp = await SmtpClients.ConnectAsync(Server, TestServer.Inside, Server.SmtpPort))
        {
            await smtp.SendAsync(SmtpClients.Message("bob@campus.test", "alice@example.test", messageId: LocalMessageId));
            await smtp.DisconnectAsync(true);
        }
        using (var pop = await Pop3Clients.ConnectAsync(Server, TestServer.Inside, Server.Pop3Port, SecureSocketOptions.None))
        {
            await pop.AuthenticateAsync("alice", "n3w-pw");
            Assert.Equal(LocalMessageId, (await pop.GetMessageAsync(0)).MessageId);
            await pop.GetMessageAsync(0); // a second RETR of it is the same retrieval
            await pop.DeleteMessageAsync(0);
            await pop.DisconnectAsync(true); // QUIT: the deletion is committed
        }
        await Server.StopAsync(); // the auditor works on the database alone
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();

}

/// <summary>
/// <c>mailactors audit</c> on the scenario's database (docs/spec.md §8), field by field; and tampering caught by <c>--verify</c>.
/// </summary>
[Trait("Category", "Slow")]
public sealed class AuditScenarioTests(AuditScenario scenario) : IClassFixture<AuditScenario>, IDisposable
{
    private const string MessageId = AuditScenario.MessageId;
    private DateTime _grantFrom => scenario.GrantFrom;
    private DateTime _grantUntil => scenario.GrantUntil;

    private string _config = scenario.CliConfig;
    private string? _tampered; // the copy of the scenario's data a test changed, removed after it

    public void Dispose()
    {
        if (_tampered is not null) Directory.Delete(_tampered, recursive: true);
        _tampered = null;
    }

    private Task<(int Code, string Out, string Err)> AuditAsync(params string[] args) =>
        MailActorsCli.RunAsync(_config, "", ["audit", .. args]);

    private async Task<List<JsonElement>> FactsAsync(params string[] args)
    {
        var (code, output, error) = await AuditAsync([.. args, "--format", "json"]);
        Assert.True(code == 0, error);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }

    private static string S(JsonElement e, string name) => e.GetProperty(name).GetString()!;

    [Fact]
    public async Task Every_audited_fact_of_the_scenario_is_in_the_journal_with_its_fields()
    {
        var facts = await FactsAsync();
        Assert.All(facts, f =>
        {
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", S(f, "time"));
            Assert.False(string.IsNullOrEmpty(S(f, "node")));
            Assert.Matches("^[0-9a-f]{64}$", S(f, "hash"));
        });
        Assert.Equal(facts.OrderBy(f => S(f, "time"), StringComparer.Ordinal).Select(f => S(f, "time")), facts.Select(f => S(f, "time")));

        var login = Assert.Single(facts, f => S(f, "kind") == "auth-succeeded" && S(f, "zone") == "outside");
        Assert.Equal(("127.0.0.2", "alice", "pop3s", "userpass", "outside"),
            (S(login, "address"), S(login, "account"), S(login, "listener"), S(login, "mechanism"), S(login, "zone")));
        Assert.False(string.IsNullOrEmpty(S(login, "rule")));

        var issued = Assert.Single(facts, f => S(f, "kind") == "grant-issued");
        Assert.Equal(("127.0.0.2", "127.0.0.2", "alice", "pop3s"), (S(issued, "key"), S(issued, "address"), S(issued, "account"), S(issued, "listener")));
        Assert.Equal(_grantUntil, issued.GetProperty("expires_at").GetDateTime().ToUniversalTime());

        var relayed = Assert.Single(facts, f => S(f, "kind") == "relay-accepted");
        Assert.Equal(($"<{MessageId}>", "alice@example.test", 1, "127.0.0.2", "submission", "grant", "alice", "127.0.0.2"),
            (S(relayed, "message_id"), S(relayed, "sender"), relayed.GetProperty("recipients").GetInt32(), S(relayed, "address"),
             S(relayed, "listener"), S(relayed, "mechanism"), S(relayed, "account"), S(relayed, "grant_key")));
        Assert.Equal(_grantFrom, relayed.GetProperty("grant_at").GetDateTime().ToUniversalTime()); // the link to grant-issued
        Assert.Matches("^[0-9A-F]{12}$", S(relayed, "queue_id"));

        var refused = Assert.Single(facts, f => S(f, "kind") == "relay-refused");
        Assert.Equal(("127.0.0.5", "smtp", "spam@stranger.test", "victim@remote.test"),
            (S(refused, "address"), S(refused, "listener"), S(refused, "sender"), S(refused, "recipient")));
        Assert.Contains("relay", S(refused, "rule"));

        var clear = Assert.Single(facts, f => S(f, "kind") == "policy-refused");
        Assert.Equal(("127.0.0.2", "alice", "pop3", "userpass"), (S(clear, "address"), S(clear, "account"), S(clear, "listener"), S(clear, "mechanism")));

        var failed = Assert.Single(facts, f => S(f, "kind") == "auth-failed");
        Assert.Equal(("127.0.0.2", "alice", "pop3s", "wrong password or unknown user"),
            (S(failed, "address"), S(failed, "account"), S(failed, "listener"), S(failed, "reason")));

        var expired = Assert.Single(facts, f => S(f, "kind") == "grant-expired");
        Assert.Equal(("127.0.0.2", "alice"), (S(expired, "key"), S(expired, "account")));

        var admin = Assert.Single(facts, f => S(f, "kind") == "admin-changed");
        Assert.Equal(("user passwd", "alice"), (S(admin, "action"), S(admin, "target")));
    }

    [Fact]
    public async Task Filters_select_by_address_account_kind_and_time()
    {
        var stranger = await FactsAsync("--ip", "127.0.0.5");
        Assert.Equal(["relay-refused"], stranger.Select(f => S(f, "kind")));

        var grants = await FactsAsync("--kind", "grant");
        Assert.Equal(["grant-issued", "grant-expired"], grants.Select(f => S(f, "kind")));

        var alice = await FactsAsync("--user", "alice", "--kind", "auth");
        Assert.Equal(["auth-succeeded", "auth-failed", "auth-succeeded"], alice.Select(f => S(f, "kind"))); // the last one from inside

        var before = await FactsAsync("--until", _grantFrom.ToString("O"));
        Assert.DoesNotContain(before, f => S(f, "kind") == "relay-accepted");
        var after = await FactsAsync("--since", _grantUntil.ToString("yyyy-MM-ddTHH:mm:ss.fffffffK"));
        Assert.Contains(after, f => S(f, "kind") == "admin-changed");
        Assert.DoesNotContain(after, f => S(f, "kind") == "relay-accepted");

        var table = await AuditAsync("--kind", "relay-accepted");
        Assert.Equal(0, table.Code);
        Assert.StartsWith("TIME", table.Out);
        Assert.Contains(MessageId, table.Out);

        var unzoned = await AuditAsync("--since", "2026-11-27T10:42:00");
        Assert.Equal(1, unzoned.Code);
        Assert.Contains("--since", unzoned.Err);
    }

    [Fact]
    public async Task At_a_time_and_address_names_the_grants_account_and_the_messages_it_let_out()
    {
        var inside = await AuditAsync("--at", _grantFrom.AddSeconds(1).ToString("O"), "--ip", "127.0.0.2");
        Assert.Equal(0, inside.Code);
        Assert.Contains("held by account alice", inside.Out);
        Assert.Contains(MessageId, inside.Out);

        var json = JsonDocument.Parse((await AuditAsync("--at", _grantFrom.ToString("O"), "--ip", "127.0.0.2", "--format", "json")).Out).RootElement;
        Assert.Equal("alice", S(json, "account"));
        Assert.Equal($"<{MessageId}>", S(json.GetProperty("messages")[0], "message_id"));

        // [issued, issued + window): exactly at the end the grant no longer covers the address
        var atEnd = await AuditAsync("--at", _grantUntil.ToString("O"), "--ip", "127.0.0.2");
        Assert.Equal(0, atEnd.Code);
        Assert.StartsWith("no grant covered 127.0.0.2", atEnd.Out);
        var justBefore = await AuditAsync("--at", _grantUntil.AddTicks(-10).ToString("O"), "--ip", "127.0.0.2");
        Assert.Contains("held by account alice", justBefore.Out);
        var elsewhere = await AuditAsync("--at", _grantFrom.AddSeconds(1).ToString("O"), "--ip", "127.0.0.5");
        Assert.StartsWith("no grant covered 127.0.0.5", elsewhere.Out);
    }

    [Fact]
    public async Task Trace_follows_a_local_message_from_delivery_to_retrieval_and_deletion()
    {
        var table = await AuditAsync("trace", AuditScenario.LocalMessageId);
        Assert.True(table.Code == 0, table.Err);
        Assert.StartsWith($"<{AuditScenario.LocalMessageId}>: 3 step(s)", table.Out);

        var steps = await TraceAsync($"<{AuditScenario.LocalMessageId}>");
        Assert.Equal(["delivered", "retrieved", "deleted"], steps.Select(s => S(s, "step")));
        var delivered = steps[0];
        Assert.Equal(("local-delivered", "alice", "127.0.0.1", "smtp", "bob@campus.test"),
            (S(delivered, "kind"), S(delivered, "account"), S(delivered, "address"), S(delivered, "listener"), S(delivered, "sender")));
        var uidl = S(delivered, "uidl");
        Assert.All(steps.Skip(1), s =>
        {
            Assert.Equal(("pop3-session", "alice", "127.0.0.1", "pop3", uidl, $"<{AuditScenario.LocalMessageId}>", "quit"),
                (S(s, "kind"), S(s, "account"), S(s, "address"), S(s, "listener"), S(s, "uidl"), S(s, "message_id"), S(s, "ended")));
        });

        var session = Assert.Single(await FactsAsync("--kind", "pop3-session")); // one fact for the session, not one per command
        Assert.Equal(1, session.GetProperty("retrieved").GetArrayLength());
        Assert.Equal(1, session.GetProperty("deleted").GetArrayLength());
    }

    [Fact]
    public async Task Trace_of_a_relayed_message_names_the_login_that_earned_its_grant()
    {
        var steps = await TraceAsync(MessageId);
        Assert.Equal(["login", "accepted"], steps.Select(s => S(s, "step")));
        Assert.Equal(("grant-issued", "alice", "pop3s", "127.0.0.2"), (S(steps[0], "kind"), S(steps[0], "account"), S(steps[0], "listener"), S(steps[0], "address")));
        Assert.Equal(("relay-accepted", "grant", "submission", "alice"), (S(steps[1], "kind"), S(steps[1], "mechanism"), S(steps[1], "listener"), S(steps[1], "account")));

        var table = await AuditAsync("trace", $"<{MessageId}>");
        Assert.Contains("login by alice from 127.0.0.2 earned grant 127.0.0.2", table.Out);
        Assert.Contains("from 127.0.0.2 on submission by grant of alice", table.Out);

        var unknown = await AuditAsync("trace", "nobody@nowhere.test");
        Assert.Equal((1, "no message <nobody@nowhere.test> in the journal"), (unknown.Code, unknown.Out.Trim()));
    }

    [Fact]
    public async Task What_if_replays_the_days_logins_and_relays_under_another_window_and_networks()
    {
        var shorter = await AuditAsync("what-if", "--window", "1ms");
        Assert.True(shorter.Code == 0, shorter.Err);
        Assert.Contains("with a 0.001-second window, 1 of 1 relayed messages from 1 account(s) would have been refused, and 0 of 1 refused relays would have passed", shorter.Out);
        Assert.Matches(@"alice\s+127\.0\.0\.2\s+1\s+0", shorter.Out);

        var json = JsonDocument.Parse((await AuditAsync("what-if", "--internal", "127.0.0.0/8", "--format", "json")).Out).RootElement;
        Assert.Equal((1, 0, 1, 1), (json.GetProperty("relayed").GetInt32(), json.GetProperty("would_be_refused").GetInt32(),
            json.GetProperty("refused").GetInt32(), json.GetProperty("would_pass").GetInt32()));
        Assert.Equal("127.0.0.5", S(json.GetProperty("changes")[0], "address"));

        var bad = await AuditAsync("what-if", "--window", "soon");
        Assert.Equal(1, bad.Code);
        Assert.Contains("--window", bad.Err);
    }

    private async Task<List<JsonElement>> TraceAsync(string id)
    {
        var (code, output, error) = await AuditAsync("trace", id, "--format", "json");
        Assert.True(code == 0, output + error);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }

    [Fact]
    public async Task Verify_passes_on_the_journal_as_written_and_holds_it_to_the_nodes_checkpoints()
    {
        var (code, output, _) = await AuditAsync("--verify");
        Assert.Equal(0, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^OK: \d+ events in \d+ streams$", lines[0]);
        Assert.Matches(@"^checkpoints: \d+ from .*audit-checkpoints\.jsonl, signed by 1 key\(s\), all hold$", lines[1]);
    }

    private string CheckpointFile => Path.Combine(scenario.Server.DataDir, "audit-checkpoints.jsonl");

    [Fact]
    public async Task The_node_signs_checkpoints_of_its_stream_and_the_ledger_with_the_key_audit_key_prints()
    {
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(CheckpointFile));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite,
                File.GetUnixFileMode(Path.Combine(scenario.Server.DataDir, "keys", "audit-signing.pem")));
        }
        var lines = File.ReadAllLines(CheckpointFile);
        Assert.True(lines.Length >= 2, "periodic checkpoints, then one at the stop");
        var last = MailActors.Audit.SignedCheckpoint.Parse(lines.Length, lines[^1], out _)!;
        Assert.True(last.SignatureHolds);
        Assert.Equal(["audit-", "grant-ledger"], last.Checkpoint.Streams.Select(s => s.Stream.StartsWith("audit-") ? "audit-" : s.Stream).Order());

        var facts = await FactsAsync();
        foreach (var head in last.Checkpoint.Streams) // the stop's checkpoint is the stream's end as stored
        {
            var stored = facts.Where(f => S(f, "stream") == head.Stream).ToList();
            Assert.Equal((stored.Count, S(stored[^1], "hash")), ((int)head.Count, head.Hash));
            Assert.Equal(stored[^1].GetProperty("seq").GetInt64(), head.Seq);
        }

        var key = await AuditAsync("key");
        Assert.Equal(0, key.Code);
        using var pem = System.Security.Cryptography.ECDsa.Create();
        pem.ImportFromPem(key.Out);
        Assert.Equal(last.Checkpoint.Key, Convert.ToBase64String(pem.ExportSubjectPublicKeyInfo()));
    }

    /// <summary>The tampered copy, checked without checkpoints (the chain alone) and with them.</summary>
    private async Task<string> CaughtOnlyWithCheckpointsAsync()
    {
        var plain = await AuditAsync("--verify");
        Assert.True(plain.Code == 0, plain.Out); // the copy has no checkpoint file of its own: the chain alone
        Assert.StartsWith("OK: ", plain.Out);

        var keyFile = Path.Combine(Path.GetDirectoryName(_config)!, "trusted.pem");
        File.WriteAllText(keyFile, (await MailActorsCli.RunAsync(scenario.CliConfig, "", "audit", "key")).Out);
        var signed = await AuditAsync("--verify", "--checkpoints", CheckpointFile, "--key", keyFile);
        Assert.Equal(1, signed.Code);
        return signed.Out;
    }

    [Fact]
    public async Task A_cut_tail_of_the_grant_ledger_is_caught_with_checkpoints_and_not_without()
    {
        await TamperAsync("DELETE FROM journal WHERE persistence_id = 'grant-ledger' AND sequence_number = (SELECT MAX(sequence_number) FROM journal WHERE persistence_id = 'grant-ledger')");
        var output = await CaughtOnlyWithCheckpointsAsync();
        Assert.Matches(@"^CUT: stream grant-ledger ends at sequence 1 \(1 events\), but the checkpoint of \S+Z by akka\.tcp://\S+ \(line \d+\) signed sequence 2, 2 events", output);
    }

    [Fact]
    public async Task A_deleted_node_stream_is_caught_with_checkpoints_and_not_without()
    {
        await TamperAsync("DELETE FROM journal WHERE persistence_id LIKE 'audit-127.0.0.1:%'");
        var output = await CaughtOnlyWithCheckpointsAsync();
        Assert.Matches(@"^DELETED: stream audit-127\.0\.0\.1:\d+-\d+ is not in the journal, but the checkpoint of \S+Z by \S+ \(line \d+\) signed sequence \d+, \d+ events", output);
    }

    [Fact]
    public async Task A_history_rewritten_forward_from_an_edited_row_is_caught_with_checkpoints_and_not_without()
    {
        await TamperAsync("SELECT 1"); // the copy
        await RewriteAsync("relay-accepted.v1", "\"account\":\"alice\"", "\"account\":\"bobby\"");
        var output = await CaughtOnlyWithCheckpointsAsync();
        Assert.Matches(@"^REWRITTEN: stream audit-127\.0\.0\.1:\d+-\d+, sequence \d+: hash [0-9a-f]{12}… is not [0-9a-f]{12}…, signed in the checkpoint of \S+Z by \S+ \(line \d+\)", output);
    }

    /// <summary>What someone with write access to the database can do: edit a row, then recompute its hash and every later one.</summary>
    private async Task RewriteAsync(string manifest, string from, string to)
    {
        await using var db = new SqliteConnection($"Data Source={Path.Combine(Path.GetDirectoryName(_config)!, "mailactors.db")};Pooling=false");
        await db.OpenAsync();
        await using var find = db.CreateCommand();
        find.CommandText = $"SELECT persistence_id, sequence_number FROM journal WHERE manifest = '{manifest}'";
        string stream;
        long edited;
        await using (var r = await find.ExecuteReaderAsync())
        {
            Assert.True(await r.ReadAsync());
            (stream, edited) = (r.GetString(0), r.GetInt64(1));
        }
        var rows = new List<(long Seq, string Manifest, string Fact, string Prev)>();
        await using (var read = db.CreateCommand())
        {
            read.CommandText = "SELECT sequence_number, manifest, message FROM journal WHERE persistence_id = $p AND sequence_number >= $s ORDER BY sequence_number";
            read.Parameters.AddWithValue("$p", stream);
            read.Parameters.AddWithValue("$s", edited);
            await using var r = await read.ExecuteReaderAsync();
            while (await r.ReadAsync())
            {
                var stored = JsonDocument.Parse((byte[])r[2]).RootElement;
                rows.Add((r.GetInt64(0), r.GetString(1), stored.GetProperty("fact").GetRawText(), stored.GetProperty("prev").GetString()!));
            }
        }
        var prev = rows[0].Prev;
        foreach (var (seq, rowManifest, fact, _) in rows)
        {
            var json = seq == edited ? fact.Replace(from, to) : fact;
            Assert.True(seq != edited || json != fact, "the edit changed the row");
            var hash = MailActors.Audit.Chained.HashOf(prev, rowManifest, System.Text.Encoding.UTF8.GetBytes(json));
            await using var write = db.CreateCommand();
            write.CommandText = "UPDATE journal SET message = $m WHERE persistence_id = $p AND sequence_number = $s";
            write.Parameters.AddWithValue("$m", System.Text.Encoding.UTF8.GetBytes($"{{\"prev\":\"{prev}\",\"hash\":\"{hash}\",\"fact\":{json}}}"));
            write.Parameters.AddWithValue("$p", stream);
            write.Parameters.AddWithValue("$s", seq);
            Assert.Equal(1, await write.ExecuteNonQueryAsync());
            prev = hash;
        }
    }

    [Fact]
    public async Task Verify_catches_an_edited_payload()
    {
        await TamperAsync("""
            UPDATE journal SET message = CAST(replace(CAST(message AS TEXT), '"account":"alice"', '"account":"bobby"') AS BLOB)
            WHERE manifest = 'relay-accepted.v1'
            """);
        var (code, output, _) = await AuditAsync("--verify");
        Assert.Equal(1, code);
        Assert.Matches(@"BROKEN: stream audit-[^,]+, sequence \d+: its contents do not match its hash", output);
    }

    [Fact]
    public async Task Verify_catches_a_deleted_row()
    {
        await TamperAsync("DELETE FROM journal WHERE persistence_id = 'grant-ledger' AND sequence_number = 1");
        var (code, output, _) = await AuditAsync("--verify");
        Assert.Equal(1, code);
        Assert.Contains("BROKEN: stream grant-ledger, sequence 2: sequence 1 is missing", output);
    }

    [Fact]
    public async Task Verify_catches_two_rows_swapped()
    {
        await TamperAsync("""
            UPDATE journal SET sequence_number = -1 WHERE persistence_id = 'grant-ledger' AND sequence_number = 1;
            UPDATE journal SET sequence_number = 1 WHERE persistence_id = 'grant-ledger' AND sequence_number = 2;
            UPDATE journal SET sequence_number = 2 WHERE persistence_id = 'grant-ledger' AND sequence_number = -1;
            """);
        var (code, output, _) = await AuditAsync("--verify");
        Assert.Equal(1, code);
        Assert.Contains("BROKEN: stream grant-ledger, sequence 1: it does not follow its predecessor", output);
    }

    [Fact]
    public async Task Verify_names_a_row_that_cannot_be_read_and_checks_the_rest()
    {
        await TamperAsync("UPDATE journal SET message = X'7B6E6F74206A736F6E' WHERE persistence_id = 'grant-ledger' AND sequence_number = 1");
        var (code, output, _) = await AuditAsync("--verify");
        Assert.Equal(1, code);
        Assert.Contains("BROKEN: stream grant-ledger, sequence 1: cannot be read", output);
        Assert.DoesNotContain("sequence 2", output); // the next link still follows the stored hash it names
    }

    /// <summary>Changes a copy of the scenario's database, which the test's audit commands then read.</summary>
    private async Task TamperAsync(string sql)
    {
        Dispose(); // a second tampering in one test starts again from the scenario
        var copy = _tampered = Directory.CreateTempSubdirectory("mailactors-audit-").FullName;
        foreach (var file in Directory.GetFiles(scenario.Server.DataDir, "mailactors.db*"))
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        _config = Path.Combine(copy, "mailactors.conf");
        File.WriteAllText(_config, File.ReadAllText(scenario.CliConfig) + $"\nmailactors.data-dir = \"{copy}\"\n");
        await using var db = new SqliteConnection($"Data Source={Path.Combine(copy, "mailactors.db")};Pooling=false");
        await db.OpenAsync();
        await using var command = db.CreateCommand();
        command.CommandText = sql;
        Assert.True(sql == "SELECT 1" || await command.ExecuteNonQueryAsync() > 0, "the tampering changed a row");
    }
}
