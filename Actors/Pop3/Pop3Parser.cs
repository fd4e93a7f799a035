using System.Globalization;

namespace MailActors.Pop3;

/// <summary>Parses one command line (CRLF already stripped). Keywords are case-insensitive (RFC 1939 §3).</summary>
public static class Pop3Parser
{
    public static Pop3Command Parse(string line)
    {
        var space = line.IndexOf(' ');
        var verb = (space < 0 ? line : line[..space]).ToUpperInvariant();
        var rest = space < 0 ? "" : line[(space + 1)..];
        var args = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);

        return verb switch
        {
            "USER" => args.Length == 1 && args[0].Length <= 255 ? new Pop3Command.User(args[0]) : Malformed(verb, "USER needs exactly one name"),
            // The password is the rest of the line: passwords may contain spaces.
            "PASS" => rest.Length > 0 ? new Pop3Command.Pass(rest) : Malformed(verb, "PASS needs a password"),
            "APOP" => args.Length == 2 && IsMd5Hex(args[1]) ? new Pop3Command.Apop(args[0], args[1])
                : Malformed(verb, "APOP needs a name and a 32-digit hex digest"),
            "STLS" => NoArgs(args, verb, new Pop3Command.Stls()),
            "AUTH" => new Pop3Command.Auth(),
            "CAPA" => NoArgs(args, verb, new Pop3Command.Capa()),
            "STAT" => NoArgs(args, verb, new Pop3Command.Stat()),
            "LIST" => OptionalNumber(args, verb, n => new Pop3Command.List(n)),
            "UIDL" => OptionalNumber(args, verb, n => new Pop3Command.Uidl(n)),
            "RETR" => args.Length == 1 && TryNumber(args[0], out var r) ? new Pop3Command.Retr(r) : Malformed(verb, "RETR needs a message number"),
            "DELE" => args.Length == 1 && TryNumber(args[0], out var d) ? new Pop3Command.Dele(d) : Malformed(verb, "DELE needs a message number"),
            "TOP" => args.Length == 2 && TryNumber(args[0], out var t) && TryCount(args[1], out var lines)
                ? new Pop3Command.Top(t, lines) : Malformed(verb, "TOP needs a message number and a line count"),
            "NOOP" => NoArgs(args, verb, new Pop3Command.Noop()),
            "RSET" => NoArgs(args, verb, new Pop3Command.Rset()),
            "QUIT" => NoArgs(args, verb, new Pop3Command.Quit()),
            _ => new Pop3Command.Unknown(Printable(verb)),
        };
    }

    private static Pop3Command NoArgs(string[] args, string verb, Pop3Command command) =>
        args.Length == 0 ? command : Malformed(verb, $"{verb} takes no arguments");

    private static Pop3Command OptionalNumber(string[] args, string verb, Func<int?, Pop3Command> make) => args.Length switch
    {
        0 => make(null),
        1 when TryNumber(args[0], out var n) => make(n),
        _ => Malformed(verb, $"{verb} takes an optional message number"),
    };

    private static Pop3Command Malformed(string verb, string problem) => new Pop3Command.Malformed(verb, problem);

    private static bool TryNumber(string text, out int number) =>
        TryCount(text, out number) && number > 0;

    private static bool TryCount(string text, out int number)
    {
        number = 0;
        return text.Length is > 0 and <= 9 && text.All(char.IsAsciiDigit) &&
               int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out number);
    }

    private static bool IsMd5Hex(string text) => text.Length == 32 && text.All(char.IsAsciiHexDigit);

    /// <summary>Keeps an unknown verb safe to echo back and to log.</summary>
    private static string Printable(string verb)
    {
        var clean = new string(verb.Where(ch => ch is > ' ' and < '\x7f').Take(20).ToArray());
        return clean.Length > 0 ? clean : "(unprintable)";
    }
}
