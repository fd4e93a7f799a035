using System.Globalization;

namespace MailActors.Smtp;

/// <summary>Turns one command line into an <see cref="SmtpCommand"/> (RFC 5321 §4.1).</summary>
public static class SmtpParser
{
    public static SmtpCommand Parse(string line)
    {
        var space = line.IndexOf(' ');
        var verb = (space < 0 ? line : line[..space]).ToUpperInvariant();
        var rest = space < 0 ? "" : line[(space + 1)..].Trim();
        return verb switch
        {
            "HELO" => rest.Length > 0 ? new SmtpCommand.Helo(HeloName.Clean(rest)) : Syntax("HELO needs your host name: HELO name"),
            "EHLO" => rest.Length > 0 ? new SmtpCommand.Ehlo(HeloName.Clean(rest)) : Syntax("EHLO needs your host name: EHLO name"),
            "MAIL" => Mail(rest),
            "RCPT" => Rcpt(rest),
            "DATA" => rest.Length == 0 ? new SmtpCommand.Data() : Syntax("DATA takes no arguments"),
            "RSET" => new SmtpCommand.Rset(),
            "NOOP" => new SmtpCommand.Noop(),
            "QUIT" => new SmtpCommand.Quit(),
            "VRFY" => new SmtpCommand.Vrfy(),
            "EXPN" => new SmtpCommand.Expn(),
            "HELP" => new SmtpCommand.Help(),
            "STARTTLS" => rest.Length == 0 ? new SmtpCommand.StartTls() : Syntax("STARTTLS takes no arguments"),
            "AUTH" => Auth(rest),
            _ => new SmtpCommand.Unknown(Printable(verb)),
        };
    }

    private static SmtpCommand Mail(string rest)
    {
        if (!TakePath(rest, "FROM:", out var path, out var parameters)) return Syntax("use MAIL FROM:<address>");
        long? size = null;
        foreach (var parameter in parameters)
        {
            var eq = parameter.IndexOf('=');
            var name = (eq < 0 ? parameter : parameter[..eq]).ToUpperInvariant();
            var value = eq < 0 ? "" : parameter[(eq + 1)..];
            switch (name)
            {
                case "SIZE" when long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n):
                    size = n;
                    break;
                case "SIZE":
                    return Syntax("SIZE needs a number of octets");
                case "BODY" when value.ToUpperInvariant() is "7BIT" or "8BITMIME":
                case "AUTH": // RFC 4954 §5: accepted, and not trusted
                    break;
                default:
                    return new SmtpCommand.Malformed(SmtpReply.ParameterNotRecognized(Printable(name)));
            }
        }
        if (path.Length == 0) return new SmtpCommand.Mail("", size);
        // The sender's own code (501 5.1.7) for a control character too: docs/spec.md §14.
        var sender = SmtpAddress.Parse(path);
        return sender is null ? new SmtpCommand.Malformed(SmtpReply.BadSenderAddress) : new SmtpCommand.Mail(sender.ToString(), size);
    }

    private static SmtpCommand Rcpt(string rest)
    {
        if (!TakePath(rest, "TO:", out var path, out var parameters)) return Syntax("use RCPT TO:<address>");
        if (parameters.Length > 0) return new SmtpCommand.Malformed(SmtpReply.ParameterNotRecognized(Printable(parameters[0])));
        // RFC 5321 §4.5.1: <postmaster> without a domain is the local postmaster.
        var recipient = path.Equals("postmaster", StringComparison.OrdinalIgnoreCase) ? new SmtpAddress("postmaster", "") : SmtpAddress.Parse(path);
        return recipient is null ? new SmtpCommand.Malformed(SmtpReply.BadRecipientAddress) : new SmtpCommand.Rcpt(recipient);
    }

    private static SmtpCommand Auth(string rest)
    {
        var parts = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length switch
        {
            1 => new SmtpCommand.Auth(parts[0].ToUpperInvariant(), null),
            2 => new SmtpCommand.Auth(parts[0].ToUpperInvariant(), parts[1]),
            _ => Syntax("use AUTH mechanism [initial-response]"),
        };
    }

    /// <summary>"FROM:&lt;path&gt; params" (a space after the colon is tolerated, as most servers do).</summary>
    private static bool TakePath(string rest, string keyword, out string path, out string[] parameters)
    {
        path = "";
        parameters = [];
        if (!rest.StartsWith(keyword, StringComparison.OrdinalIgnoreCase)) return false;
        var text = rest[keyword.Length..].TrimStart();
        if (!text.StartsWith('<')) return false;
        var close = text.IndexOf('>');
        if (close < 0) return false;
        path = text[1..close];
        parameters = text[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return true;
    }

    private static SmtpCommand.Malformed Syntax(string usage) => new(SmtpReply.SyntaxError(usage));

    private static string Printable(string text) => new(text.Where(ch => ch is > ' ' and < '\x7f').Take(32).ToArray());
}
