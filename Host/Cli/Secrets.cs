namespace MailActors.Host.Cli;

/// <summary>Reads a password: the first line of stdin with --password-stdin, else a prompt on the terminal.</summary>
public static class Secrets
{
    public static string Read(bool fromStdin, string what)
    {
        if (fromStdin)
        {
            var line = Console.In.ReadLine();
            return string.IsNullOrEmpty(line) ? throw new CliError($"no {what} on standard input") : line;
        }
        if (Console.IsInputRedirected)
            throw new CliError($"standard input is not a terminal: pipe the {what} in with --{(what == "password" ? "password" : "secret")}-stdin");
        var first = Prompt($"New {what}: ");
        var second = Prompt($"Repeat {what}: ");
        if (first != second) throw new CliError($"the two {what}s differ");
        return first.Length > 0 ? first : throw new CliError($"empty {what}");
    }

    private static string Prompt(string text)
    {
        Console.Error.Write(text);
        var chars = new List<char>();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter) break;
            if (key.Key == ConsoleKey.Backspace) { if (chars.Count > 0) chars.RemoveAt(chars.Count - 1); }
            else chars.Add(key.KeyChar);
        }
        Console.Error.WriteLine();
        return new string(chars.ToArray());
    }
}

/// <summary>A command's one-line reason to fail.</summary>
public sealed class CliError(string message) : Exception(message);
