using System.Diagnostics;
using System.Net;

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

    /// <summary><see cref="ServeAsync(string, Func{Func{int}, string}, Action{string}?)"/> for a configuration with one port, SMTP's.</summary>
    public static async Task<(Process Server, int SmtpPort)> ServeAsync(string config, Func<int, string> configFor)
    {
        var port = 0;
        var server = await ServeAsync(config, freePort => configFor(port = freePort()));
        return (server, port);
    }

    /// <summary>
    /// <c>serve</c> with the configuration <paramref name="configFor"/> writes (taking its ports from the function it is
    /// given), once the node has logged that its listeners are bound. A port taken between choosing and binding (other
    /// tests start servers in parallel) makes the node exit at start; it is started again on other ports, as
    /// <see cref="TestServer"/> does in-process. A node that neither binds nor exits fails the test with its output.
    /// </summary>
    public static async Task<Process> ServeAsync(string config, Func<Func<int>, string> configFor, Action<string>? output = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            await File.WriteAllTextAsync(config, configFor(TestServer.FreePort));
            var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
            var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var server = Start(config, line =>
            {
                lines.Enqueue(line);
                output?.Invoke(line);
                if (line.Contains("Listening: ")) listening.TrySetResult();
            }, "serve");
            var exited = server.WaitForExitAsync();
            var first = await Task.WhenAny(listening.Task, exited, Task.Delay(TimeSpan.FromSeconds(90)));
            if (first == listening.Task) return server;
            await KillAsync(server);
            server.Dispose();
            if (first != exited || attempt == 3)
                Assert.Fail((first == exited ? "the server exited at start three times" : "the server did not bind its listeners in 90 s") +
                            ", its output:\n" + string.Join("\n", lines.TakeLast(40)));
        }
    }

    /// <summary>A node with only its SMTP listener, on 127.0.0.1, for <c>example.test</c>: what the kill tests start.</summary>
    /// <param name="more">HOCON after it (e.g. <c>mailactors.relay { ... }</c>, a storage block).</param>
    public static string SmtpOnlyConfig(string dataDir, int smtpPort, string more = "") => $$"""
        mailactors {
          data-dir = "{{dataDir}}", local-domains = ["example.test"], bind-address = "127.0.0.1"
          listeners { pop3.enabled = off, pop3s.enabled = off, apop.enabled = off, submission.enabled = off, smtp.port = {{smtpPort}}
                      submissions.enabled = off, web.enabled = off, webs.enabled = off }
          admin.http = ""
        }
        {{more}}
        """;

    /// <summary>One message from <c>sender@example.test</c> to <paramref name="recipient"/>, answered 250 at RCPT and at the end of DATA.</summary>
    public static async Task SendAsync(int port, string recipient, string subject, string body)
    {
        await using var raw = await ConnectAsync(port);
        await raw.SmtpCommandAsync("EHLO client.test");
        await raw.SmtpCommandAsync("MAIL FROM:<sender@example.test>");
        Assert.StartsWith("250", await raw.SmtpCommandAsync($"RCPT TO:<{recipient}>"));
        await raw.SmtpCommandAsync("DATA");
        Assert.StartsWith("250 2.0.0", await raw.SmtpCommandAsync($"Subject: {subject}\r\n\r\n{body}\r\n."));
    }

    /// <summary>An SMTP connection to a server that is listening (see <see cref="ServeAsync"/>), with its 220 read.</summary>
    public static async Task<RawClient> ConnectAsync(int port)
    {
        var raw = await RawClient.ConnectAsync(IPAddress.Loopback, port);
        Assert.StartsWith("220", await raw.ReadReplyAsync());
        return raw;
    }

    /// <summary>SIGKILL, and wait until it is gone.</summary>
    public static async Task KillAsync(Process server)
    {
        if (!server.HasExited) server.Kill(entireProcessTree: true);
        await server.WaitForExitAsync();
    }
}
