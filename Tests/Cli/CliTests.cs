using MailActors.Tests.Support;

namespace MailActors.Tests.Cli;

/// <summary>The real <c>mailactors</c> executable, as an administrator runs it (docs/spec.md §12).</summary>
[Trait("Category", "Slow")]
public sealed class CliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mailactors-cli-").FullName;
    private readonly string _config;

    public CliTests()
    {
        _config = Path.Combine(_dir, "mail.conf");
        File.WriteAllText(_config, $$"""
            mailactors.data-dir = "{{_dir}}/data"
            mailactors.admin.http = ""
            """);
    }

    private Task<(int Code, string Out, string Err)> RunAsync(string stdin, params string[] args) =>
        MailActorsCli.RunAsync(_config, stdin, args);

    [Fact]
    public async Task An_administrator_manages_accounts_from_the_command_line()
    {
        Assert.Equal(0, (await RunAsync("s3cret\n", "user", "add", "carol", "--password-stdin")).Code);
        var again = await RunAsync("other\n", "user", "add", "carol", "--password-stdin");
        Assert.Equal(1, again.Code);
        Assert.Equal("mailactors: account carol already exists", again.Err.Trim());

        Assert.Equal(0, (await RunAsync("apop-only\n", "user", "apop", "carol", "--secret-stdin")).Code);
        Assert.Equal(0, (await RunAsync("n3w\n", "user", "passwd", "carol", "--password-stdin")).Code);
        var list = await RunAsync("", "user", "list");
        Assert.Matches(@"^carol\tapop=yes\tcreated=\d{4}-", list.Out);

        var db = File.ReadAllBytes(Path.Combine(_dir, "data", "mailactors.db"));
        Assert.True(db.AsSpan().IndexOf("n3w"u8) < 0 && db.AsSpan().IndexOf("apop-only"u8) < 0, "no secret in clear in the database");

        Assert.Equal(0, (await RunAsync("", "user", "del", "carol")).Code);
        Assert.Equal("", (await RunAsync("", "user", "list")).Out);
        var gone = await RunAsync("", "user", "del", "carol");
        Assert.Equal((1, "mailactors: no such account: carol"), (gone.Code, gone.Err.Trim()));
    }

    [Fact]
    public async Task With_no_node_running_an_administrators_change_is_still_audited_in_a_stream_of_its_own()
    {
        Assert.Equal(0, (await RunAsync("pw\n", "user", "add", "frank", "--password-stdin")).Code);
        Assert.Equal(0, (await RunAsync("", "user", "del", "frank")).Code);
        var audit = await RunAsync("", "audit", "--kind", "admin-changed", "--format", "json");
        Assert.Equal(0, audit.Code);
        var lines = audit.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["user add", "user del"], lines.Select(l => l.GetProperty("action").GetString()));
        Assert.All(lines, l =>
        {
            Assert.Equal("frank", l.GetProperty("target").GetString());
            Assert.StartsWith("mailactors-cli@", l.GetProperty("node").GetString());
            Assert.StartsWith("audit-cli@", l.GetProperty("stream").GetString());
        });
        Assert.Equal("OK: 2 events in 2 streams", (await RunAsync("", "audit", "--verify")).Out.Trim());
    }

    [Fact]
    public async Task Without_a_terminal_or_password_stdin_the_password_is_not_guessed()
    {
        var result = await RunAsync("", "user", "add", "dave");
        Assert.Equal(1, result.Code);
        Assert.Contains("--password-stdin", result.Err);
    }

    [Fact]
    public async Task Deliver_stores_a_message_that_pop3_then_serves()
    {
        Assert.Equal(0, (await RunAsync("pw\n", "user", "add", "erin", "--password-stdin")).Code);
        var delivered = await RunAsync("Subject: by hand\n\nhello erin\n", "deliver", "erin", "--from", "root@example.test");
        Assert.Equal(0, delivered.Code);
        Assert.Matches("^delivered to erin: \\d+ octets, uidl [0-9a-f]{32}", delivered.Out);

        var unknown = await RunAsync("x\n", "deliver", "nobody");
        Assert.Equal((1, "mailactors: no such account: nobody"), (unknown.Code, unknown.Err.Trim()));

        await using var server = await TestServer.StartAsync($$"""mailactors.data-dir = "{{_dir}}/data" """);
        using var client = await Pop3Clients.ConnectAsync(server, TestServer.Inside, server.Pop3Port, MailKit.Security.SecureSocketOptions.None);
        await client.AuthenticateAsync("erin", "pw");
        var message = await client.GetMessageAsync(0);
        Assert.Equal("by hand", message.Subject);
        Assert.Equal("<root@example.test>", message.Headers["Return-Path"]);
    }

    [Fact]
    public async Task Ca_init_creates_a_root_ca_and_prints_its_path()
    {
        var result = await RunAsync("", "ca", "init", "--host", "pop.example.test");
        Assert.Equal(0, result.Code);
        var caFile = result.Out.Trim();
        Assert.Equal(Path.Combine(_dir, "data", "tls", "ca.pem"), caFile);

        var ca = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(caFile));
        var server = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(_dir, "data", "tls", "server.pem")));
        Assert.True(server.MatchesHostname("pop.example.test"));
        Assert.True(server.MatchesHostname("localhost"));
        using var chain = new System.Security.Cryptography.X509Certificates.X509Chain();
        chain.ChainPolicy.TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck;
        Assert.True(chain.Build(server));
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dir, "data", "tls", "server-key.pem")));
    }

    [Fact]
    public async Task Bad_configuration_stops_a_command_with_one_line_naming_the_key()
    {
        File.WriteAllText(_config, """mailactors.networks.internal = ["10.0.0.300/8"]""");
        var result = await RunAsync("", "user", "list");
        Assert.Equal(1, result.Code);
        Assert.Equal("mailactors: mailactors.networks.internal: \"10.0.0.300/8\" is not a CIDR network (like 10.0.0.0/8)", result.Err.Trim());
    }

    public void Dispose() => Directory.Delete(_dir, true);
}
