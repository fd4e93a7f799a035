namespace MailActors.Smtp;

/// <summary>
/// The name a client gave in HELO/EHLO, as it may appear in a reply, a log line and the <c>Received:</c> header
/// (docs/spec.md §14): printable ASCII only, no spaces or comment parentheses, at most 255 characters; "unknown" when
/// nothing printable is left. The client controls it, so it is cleaned once, when it is parsed.
/// </summary>
public static class HeloName
{
    public const int MaxLength = 255;

    public static string Clean(string given) =>
        new string(given.Where(ch => ch is > ' ' and < '\x7f' and not '(' and not ')').Take(MaxLength).ToArray()) is { Length: > 0 } clean
            ? clean
            : "unknown";
}
