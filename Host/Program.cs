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
root.Subcommands.Add(GrantsCommand.Build());
root.Subcommands.Add(StatusCommand.Build());
root.Subcommands.Add(AuditCommand.Build());
root.Subcommands.Add(QueueCommand.Build());
root.Subcommands.Add(AliasCommand.Build());
root.Subcommands.Add(ImportCommand.Build());
root.Subcommands.Add(DnsCommand.Build());
root.Subcommands.Add(PolicyCommand.Build());

try
{
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception e) when (e is ConfigurationError or CliError or ListenerBindException)
{
    Console.Error.WriteLine($"mailactors: {e.Message}");
    return 1;
}
catch (Exception e)
{
    // Anything else is a fault of ours: still one line, with the details behind MAILACTORS_DEBUG=1.
    Console.Error.WriteLine($"mailactors: unexpected {e.GetType().Name}: {e.Message.Split('\n')[0]}");
    if (Environment.GetEnvironmentVariable("MAILACTORS_DEBUG") == "1") Console.Error.WriteLine(e);
    return 2;
}
