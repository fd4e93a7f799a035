using System.Diagnostics;

namespace MailActors.Tests.Support;

/// <summary>Runs the real <c>mailactors</c> executable, as an administrator does.</summary>
public static class MailActorsCli
{
    public static async Task<(int Code, string Out, string Err)> RunAsync(string config, string stdin, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mailactors.dll"));
        start.ArgumentList.Add("--config");
        start.ArgumentList.Add(config);
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120)); // a process start alone took 30 s+ at load average 100
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
