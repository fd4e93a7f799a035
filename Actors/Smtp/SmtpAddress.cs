namespace MailActors.Smtp;

/// <summary>
/// A forward-path mailbox, <c>local@domain</c> (RFC 5321 §4.1.2). The domain is what follows the last
/// <c>@</c> outside quotes, after any source route is dropped; nothing in the local part (<c>%</c>, <c>!</c>,
/// a quoted <c>@</c>) is ever read as routing, so no recipient can pass for a local one unless its domain is local.
/// </summary>
public sealed record SmtpAddress(string LocalPart, string Domain)
{
    public override string ToString() => $"{LocalPart}@{Domain}";

    /// <summary>Parses the inside of &lt;...&gt;; null when it is not a mailbox.</summary>
    public static SmtpAddress? Parse(string path)
    {
        // docs/spec.md §14: no control character (C0 or DEL), quoted or escaped, ever reaches a stored header.
        if (HasControlCharacter(path)) return null;
        if (path.StartsWith('@'))
        {
            // A source route, "@a,@b:mailbox": RFC 5321 §4.1.1.3 says to ignore it and use the mailbox.
            var colon = path.IndexOf(':');
            if (colon < 0) return null;
            path = path[(colon + 1)..];
        }
        var at = LastUnquotedAt(path);
        if (at <= 0 || at == path.Length - 1) return null;
        var local = path[..at];
        var domain = path[(at + 1)..].TrimEnd('.').ToLowerInvariant();
        if (local.Length > 64 || domain.Length is 0 or > 255) return null;
        if (!local.StartsWith('"') && local.Any(ch => ch <= ' ' || ch >= '\x7f' || "<>()[]\\,;:\"".Contains(ch))) return null;
        if (domain.StartsWith('[') ? !domain.EndsWith(']') : !domain.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '.'))
            return null;
        return new SmtpAddress(local, domain);
    }

    public static bool HasControlCharacter(string text) => text.Any(ch => ch < ' ' || ch == '\x7f');

    private static int LastUnquotedAt(string path)
    {
        var quoted = false;
        var last = -1;
        for (var i = 0; i < path.Length; i++)
        {
            if (path[i] == '\\' && quoted) { i++; continue; }
            if (path[i] == '"') quoted = !quoted;
            else if (path[i] == '@' && !quoted) last = i;
        }
        return quoted ? -1 : last;
    }
}
