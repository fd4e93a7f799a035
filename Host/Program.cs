using System.CommandLine;
using MailActors.Configuration;
using MailActors.Host.Cli;
using MailActors.Transport.Listeners;

var root = new RootCommand("MailActors: POP3 + SMTP under a campus off-campus policy");
root.Options.Add(CommonOptions.Config);
root.Subcommands.Add(ServeCommand.Build());
root.Subcommands.Add(UserCommands.Build());
root.Subcommands.Add(DeliverCommand.Build());
root.Subcommands.Add(CaCommand.Build());

try
{
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (e is ConfigurationError or CliError or ListenerBindException)
{
    Console.Error.WriteLine($"mailactors: {e.Message}");
    return 1;
}
