using MailActors.Configuration;
using MailActors.Host.Configuration;
using MailActors.Policy;
using MailActors.Tests.Pop3;
using MailActors.Tests.Support;
using MailActors.Transport.Listeners;

namespace MailActors.Tests.Configuration;

/// <summary>docs/spec.md §11: defaults layered with files; bad values stop start-up with one line naming the key or file.</summary>
[Trait("Category", "Slow")]
public sealed class ConfigurationTests
{
    [Fact]
    public void The_built_in_defaults_are_the_spec_defaults()
    {
        var s = TestSettings.Default;
        Assert.Equal([110, 995, 11110, 25, 587, 465, 80, 443], Enum.GetValues<ListenerKind>().Select(s.PortOf));
        Assert.Equal(TimeSpan.FromMinutes(5), s.PopBeforeSmtp.Window);
        Assert.Equal(25L * 1024 * 1024, s.Limits.MaxMessageSize);
        Assert.Equal(TimeSpan.FromMinutes(10), s.Limits.IdleTimeout);
        Assert.Equal(StorageProvider.Sqlite, s.Storage.Provider);
        Assert.True(s.Tls.Generated);
        Assert.Equal(Path.Combine(s.DataDir, "keys", "apop.key"), s.ApopKeyFile);
        Assert.Equal(TimeSpan.FromSeconds(10), s.Limits.TlsHandshakeTimeout);
    }

    [Fact]
    public void Later_config_files_win_and_the_port_offset_applies_to_every_listener()
    {
        var dir = Directory.CreateTempSubdirectory("mailactors-conf-").FullName;
        File.WriteAllText(Path.Combine(dir, "a.conf"), "mailactors { hostname = a, listeners.pop3.port = 1110 }");
        File.WriteAllText(Path.Combine(dir, "b.conf"), "mailactors.hostname = b");
        var s = ConfigLoader.Load([Path.Combine(dir, "a.conf"), Path.Combine(dir, "b.conf")], portOffset: 10000).Settings;
        Assert.Equal("b", s.Hostname);
        Assert.Equal(11110, s.PortOf(ListenerKind.Pop3));
        Assert.Equal(10995, s.PortOf(ListenerKind.Pop3s));
        Assert.Equal(10465, s.PortOf(ListenerKind.Submissions));
        Assert.Equal(10080, s.PortOf(ListenerKind.Web));
        Assert.Equal(10443, s.PortOf(ListenerKind.Webs));
        Directory.Delete(dir, true);
    }

    [Theory]
    [InlineData("""mailactors.networks.internal = ["10.0.0.0/33"]""", "mailactors.networks.internal")]
    [InlineData("""mailactors.networks.dialup = ["campus"]""", "mailactors.networks.dialup")]
    [InlineData("""mailactors.storage.provider = "oracle" """, "mailactors.storage.provider")]
    [InlineData("""mailactors.bind-address = "everywhere" """, "mailactors.bind-address")]
    [InlineData("""mailactors.limits.max-recipients = 0""", "mailactors.limits.max-recipients")]
    [InlineData("""mailactors.listeners.pop3.port = 70000""", "mailactors.listeners.pop3.port")]
    [InlineData("""mailactors.tls.certificate = "/x.pem" """, "mailactors.tls")]
    [InlineData("""mailactors.hostname = "" """, "mailactors.hostname")]
    [InlineData("""mailactors.limits.tls-handshake-timeout = 0s""", "mailactors.limits.tls-handshake-timeout")]
    [InlineData("""mailactors.limits.commit-wait = -1s""", "mailactors.limits.commit-wait")]
    public void A_bad_value_is_reported_naming_its_key(string hocon, string key)
    {
        var error = Assert.Throws<ConfigurationError>(() => ConfigLoader.Load([], null, hocon));
        Assert.StartsWith(key, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void A_missing_config_file_is_named()
    {
        var error = Assert.Throws<ConfigurationError>(() => ConfigLoader.Load(["/nonexistent/mail.conf"]));
        Assert.Contains("/nonexistent/mail.conf", error.Message);
    }

    [Fact]
    public async Task An_unreadable_certificate_stops_start_up_naming_the_file()
    {
        var dir = Directory.CreateTempSubdirectory("mailactors-cert-").FullName;
        var cert = Path.Combine(dir, "server.pem");
        await File.WriteAllTextAsync(cert, "not a certificate");
        var broken = ConfigLoader.Load([], null, MailActors.Host.Configuration.ConfigLoader.EmbeddedText("hocon/test.conf"),
            $$"""
              mailactors.data-dir = "{{dir}}"
              mailactors.tls { certificate = "{{cert}}", key = "{{cert}}" }
              mailactors.listeners { pop3.port = 0, pop3s.port = 0, apop.port = 0 }
              """);
        using var host = MailActors.Host.Server.MailActorsServer.Build(broken);
        var error = await Assert.ThrowsAsync<ConfigurationError>(() => host.StartAsync());
        Assert.Contains(cert, error.Message);
        await host.StopAsync();
        Directory.Delete(dir, true);
    }

    [Fact]
    public async Task A_port_in_use_stops_start_up_naming_the_listener_key()
    {
        await using var first = await TestServer.StartAsync();
        var clash = ConfigLoader.Load([], null, ConfigLoader.EmbeddedText("hocon/test.conf"),
            $$"""mailactors { data-dir = "{{first.DataDir}}-2", listeners { pop3.port = {{first.Pop3Port}}, pop3s.port = 0, apop.port = 0 } }""");
        using var host = MailActors.Host.Server.MailActorsServer.Build(clash);
        var error = await Assert.ThrowsAsync<ListenerBindException>(() => host.StartAsync());
        Assert.StartsWith("mailactors.listeners.pop3.port", error.Message);
        await host.StopAsync();
        Directory.Delete(first.DataDir + "-2", true);
    }
}

[Trait("Category", "Slow")]
public sealed class EnvironmentSubstitutionTests
{
    private static readonly Dictionary<string, string> Env = new() { ["MAIL_HOST"] = "pop.example.edu", ["PORT"] = "2110" };

    private static string Apply(string hocon) => MailActors.Host.Configuration.EnvironmentSubstitution.Apply(hocon, Env.GetValueOrDefault);

    [Fact]
    public void A_set_variable_replaces_the_value() =>
        Assert.Equal("mailactors.hostname = \"pop.example.edu\"", Apply("mailactors.hostname = ${?MAIL_HOST}"));

    [Fact]
    public void An_unset_variable_leaves_the_key_as_it_was()
    {
        var config = Akka.Configuration.ConfigurationFactory.ParseString(Apply("a = 1\na = ${?NOT_SET}\nb = ${?PORT}"));
        Assert.Equal(1, config.GetInt("a"));
        Assert.Equal(2110, config.GetInt("b"));
    }

    [Fact]
    public void Values_are_quoted_so_nothing_in_them_is_read_as_hocon() =>
        Assert.Equal("x = \"a\\u0022b\"", MailActors.Host.Configuration.EnvironmentSubstitution.Apply("x = ${?V}", _ => "a\"b"));
}
