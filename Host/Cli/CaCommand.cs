using System.CommandLine;
using MailActors.Certificates;
using MailActors.Host.Server;

namespace MailActors.Host.Cli;

/// <summary><c>mailactors ca init [--host NAME]...</c></summary>
public static class CaCommand
{
    public static Command Build()
    {
        var hosts = new Option<string[]>("--host") { Description = "another name the server certificate is valid for (repeatable)", DefaultValueFactory = _ => [] };
        var init = new Command("init", "create the root CA (if missing) and issue the server certificate; prints the CA path") { hosts };
        init.SetAction(parse =>
        {
            var settings = CommonOptions.Load(parse).Settings;
            var ca = new CertificateAuthority(ServerCertificate.TlsDir(settings));
            ca.Issue(new[] { settings.Hostname }.Concat(parse.GetValue(hosts) ?? []));
            Console.WriteLine(ca.CaFile);
            return 0;
        });
        var ca = new Command("ca", "the server's own certificate authority");
        ca.Subcommands.Add(init);
        return ca;
    }
}
