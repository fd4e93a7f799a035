using MailActors.Tests.Support;

namespace MailActors.Tests.Cli;

/// <summary><c>mailactors dns</c> (docs/spec.md §16) through the real executable.</summary>
[Trait("Category", "Slow")]
public sealed class DnsCommandTests
{
    private static async Task<string[]> Dns(string hocon)
    {
        var dir = Directory.CreateTempSubdirectory("mailactors-dns-").FullName;
        try
        {
            var config = Path.Combine(dir, "site.conf");
            await File.WriteAllTextAsync(config, $$"""mailactors { data-dir = "{{dir}}", {{hocon}} }""");
            var (code, output, error) = await MailActorsCli.RunAsync(config, "", "dns");
            Assert.True(code == 0, error);
            return output.Split('\n').Select(l => l.TrimEnd()).ToArray();
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static string Record(string name, string type, string data) => $"{name,-40} IN {type,-5} {data}";

    [Fact]
    public async Task The_records_name_the_host_and_the_ports_clients_must_use_for_every_local_domain()
    {
        var lines = await Dns("""hostname = "mail.campus.test", local-domains = ["campus.test", "alumni.test"], port-offset = 10000""");
        foreach (var zone in new[] { "campus.test.", "alumni.test." })
        {
            Assert.Contains(Record(zone, "MX", "10 mail.campus.test."), lines);
            Assert.Contains(Record("_pop3s._tcp." + zone, "SRV", "0 1 10995 mail.campus.test."), lines);
            Assert.Contains(Record("_pop3._tcp." + zone, "SRV", "10 1 10110 mail.campus.test."), lines);
            Assert.Contains(Record("_submissions._tcp." + zone, "SRV", "0 1 10465 mail.campus.test."), lines);
            Assert.Contains(Record("_submission._tcp." + zone, "SRV", "10 1 10587 mail.campus.test."), lines);
            Assert.Contains(Record("autoconfig." + zone, "CNAME", "mail.campus.test."), lines);
            Assert.Contains(Record("autodiscover." + zone, "CNAME", "mail.campus.test."), lines);
            Assert.Contains(Record(zone, "TXT", "\"v=spf1 mx -all\""), lines);
        }
        Assert.Contains(lines, l => l.Contains("other servers deliver to port 25 only"));
    }

    [Fact]
    public async Task A_switched_off_service_is_published_as_not_offered_and_a_smarthost_joins_the_spf_record()
    {
        var lines = await Dns("""hostname = "mail.campus.test", local-domains = ["campus.test"], listeners.pop3.enabled = off, relay.smarthost = "relay.campus.test:25" """);
        Assert.Contains(Record("_pop3._tcp.campus.test.", "SRV", "0 0 0 ."), lines);
        Assert.Contains(Record("_pop3s._tcp.campus.test.", "SRV", "0 1 995 mail.campus.test."), lines);
        Assert.Contains(Record("campus.test.", "TXT", "\"v=spf1 mx a:relay.campus.test -all\""), lines);
        Assert.DoesNotContain(lines, l => l.Contains("port 25 only"));
    }
}
