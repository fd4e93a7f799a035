using System.CommandLine;
using MailActors.Host.Server;
using Microsoft.Extensions.Hosting;

namespace MailActors.Host.Cli;

/// <summary><c>mailactors serve [--port-offset N]</c>: runs the node until SIGTERM or Ctrl-C.</summary>
public static class ServeCommand
{
    public static Command Build()
    {
        var portOffset = new Option<int?>("--port-offset") { Description = "added to every listener port (non-root development)" };
        var serve = new Command("serve", "run the mail server") { portOffset };
        serve.SetAction(async (parse, ct) =>
        {
            SocketCompletions.RunInline();
            var config = CommonOptions.Load(parse, parse.GetValue(portOffset));
            using var host = MailActorsServer.Build(config);
            await host.RunAsync(ct);
            return 0;
        });
        return serve;
    }
}
