using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace MailActors.Tests.Support;

/// <summary>The real <c>mailactors</c> executable as a child process, for tests that kill it (<c>kill -9</c>) mid-work.</summary>
public static class ServerProcess
{
    public static Process Start(string config, params string[] args) => Start(config, null, args);

    /// <param name="output">gets each line the process writes to standard output.</param>
    public static Process Start(string config, Action<string>? output, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mailactors.dll"));
        start.ArgumentList.Add("--config");
        start.ArgumentList.Add(config);
        foreach (var a in args) start.ArgumentList.Add(a);
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) output?.Invoke(e.Data); };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    public static async Task<int> RunToEndAsync(string config, string stdin, params string[] args)
    {
        using var process = Start(config, args);
        await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode;
    }

    /// <summary>An SMTP connection once the started server answers (with its 220 read).</summary>
    public static async Task<RawClient> ConnectWhenUpAsync(int port, Process server)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            Assert.False(server.HasExited, "the server exited during start-up");
            try
            {
                var raw = await RawClient.ConnectAsync(IPAddress.Loopback, port);
                Assert.StartsWith("220", await raw.ReadReplyAsync());
                return raw;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>SIGKILL, and wait until it is gone.</summary>
    public static async Task KillAsync(Process server)
    {
        if (!server.HasExited) server.Kill(entireProcessTree: true);
        await server.WaitForExitAsync();
    }

    public static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
