using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using MailActors.Storage;

namespace MailActors.Import;

/// <summary>An mbox message to import, with its import key and the UIDL it keeps.</summary>
public sealed record MboxMessage(string ImportKey, string Uidl, byte[] Body);

/// <summary>
/// The messages of an mbox file (RFC 4155), read one at a time, in file order (docs/spec.md §4). Messages start at a
/// "From " line at the start of the file or after an empty line. Dovecot keeps its UIDs in the file: <c>X-IMAPbase:
/// &lt;uidvalidity&gt; &lt;nextuid&gt;</c> in the first message and <c>X-UID: &lt;uid&gt;</c> in each; when both are there the
/// UIDL is the one Dovecot's default <c>%08Xu%08Xv</c> served, otherwise a new one. Dovecot's own headers (X-IMAPbase,
/// X-IMAP, X-UID, X-Keywords, Status, X-Status, Content-Length) are not part of the message POP3 served, so they are
/// dropped. The import key is a digest of the message and its rank among identical ones, so a second run skips it.
/// </summary>
public static class MboxSource
{
    private static readonly string[] DovecotHeaders = ["X-IMAPbase", "X-IMAP", "X-UID", "X-Keywords", "Status", "X-Status", "Content-Length"];

    public static IEnumerable<MboxMessage> Read(Stream mbox, Func<string> newUidl)
    {
        long? validity = null;
        var seen = new Dictionary<string, int>();
        var first = true;
        foreach (var raw in Split(mbox))
        {
            var (body, headers) = Clean(raw);
            if (first && Header(headers, "X-IMAPbase") is { } imapBase &&
                long.TryParse(imapBase.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], NumberStyles.None, CultureInfo.InvariantCulture, out var v))
                validity = v;
            first = false;
            var uid = Header(headers, "X-UID") is { } x && long.TryParse(x, NumberStyles.None, CultureInfo.InvariantCulture, out var u) ? u : (long?)null;
            var digest = Convert.ToHexStringLower(SHA256.HashData(body));
            var rank = seen[digest] = seen.GetValueOrDefault(digest) + 1;
            var uidl = uid is { } n && validity is { } val ? DovecotUidList.DefaultUidl(n, val) : newUidl();
            yield return new MboxMessage($"mbox:{digest}:{rank}", uidl, body);
        }
    }

    /// <summary>Each message's bytes without its "From " separator line and the empty line that ends it.</summary>
    public static IEnumerable<byte[]> Split(Stream mbox)
    {
        var current = (MemoryStream?)null;
        var previousEmpty = true;
        foreach (var line in Lines(mbox))
        {
            var isFrom = previousEmpty && line.AsSpan().StartsWith("From "u8);
            if (isFrom)
            {
                if (current is not null) yield return WithoutFinalEmptyLine(current.ToArray());
                current = new MemoryStream();
            }
            else
            {
                current?.Write(line);
            }
            previousEmpty = line is [(byte)'\n'] or [(byte)'\r', (byte)'\n'];
        }
        if (current is not null) yield return WithoutFinalEmptyLine(current.ToArray());
    }

    private static IEnumerable<byte[]> Lines(Stream stream)
    {
        var buffered = new BufferedStream(stream, 1 << 16);
        var line = new MemoryStream();
        int b;
        while ((b = buffered.ReadByte()) >= 0)
        {
            line.WriteByte((byte)b);
            if (b != '\n') continue;
            yield return line.ToArray();
            line.SetLength(0);
        }
        if (line.Length > 0) yield return line.ToArray();
    }

    private static byte[] WithoutFinalEmptyLine(byte[] message)
    {
        if (message.AsSpan().EndsWith("\n\r\n"u8)) return message[..^2];
        if (message.AsSpan().EndsWith("\n\n"u8)) return message[..^1];
        return message;
    }

    /// <summary>The message in CRLF without Dovecot's headers, and the header fields it had (name, unfolded value).</summary>
    private static (byte[] Body, List<(string Name, string Value)> Headers) Clean(byte[] raw)
    {
        var crlf = MessageText.ToCrlf(raw);
        var end = crlf.AsSpan().IndexOf("\r\n\r\n"u8);
        var headerLength = end < 0 ? crlf.Length : end + 2;
        var lines = Encoding.Latin1.GetString(crlf, 0, headerLength).Split("\r\n");
        var kept = new StringBuilder();
        var fields = new List<(string, string)>();
        var dropping = false;
        foreach (var line in lines.Where(l => l.Length > 0))
        {
            if (line[0] is ' ' or '\t')
            {
                if (!dropping) kept.Append(line).Append("\r\n");
                if (fields.Count > 0) fields[^1] = (fields[^1].Item1, fields[^1].Item2 + " " + line.Trim());
                continue;
            }
            var colon = line.IndexOf(':');
            var name = colon > 0 ? line[..colon] : "";
            fields.Add((name, colon > 0 ? line[(colon + 1)..].Trim() : ""));
            dropping = DovecotHeaders.Contains(name, StringComparer.OrdinalIgnoreCase);
            if (!dropping) kept.Append(line).Append("\r\n");
        }
        var body = Concat(Encoding.Latin1.GetBytes(kept.ToString()), crlf.AsSpan(headerLength));
        return (body, fields);
    }

    private static string? Header(List<(string Name, string Value)> headers, string name) =>
        headers.FirstOrDefault(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

    private static byte[] Concat(byte[] a, ReadOnlySpan<byte> b)
    {
        var result = new byte[a.Length + b.Length];
        a.CopyTo(result, 0);
        b.CopyTo(result.AsSpan(a.Length));
        return result;
    }
}
