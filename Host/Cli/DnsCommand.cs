using System.CommandLine;
using MailActors.Host.Web;

namespace MailActors.Host.Cli;

/// <summary><c>mailactors dns</c>: the DNS records to publish, from the configuration (docs/spec.md §16).</summary>
public static class DnsCommand
{
    public static Command Build()
    {
        var dns = new Command("dns", "print the DNS records to publish (MX, SRV, autoconfig/autodiscover, SPF)");
        dns.SetAction(parse =>
        {
            foreach (var line in DnsRecords.For(CommonOptions.Load(parse).Settings)) Console.WriteLine(line);
            return 0;
        });
        return dns;
    }
}
