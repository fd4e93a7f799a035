using System.Globalization;

namespace MailActors.Import;

/// <summary>One line of a <c>dovecot-uidlist</c>: the IMAP UID, the extension fields by key letter, and the Maildir base name.</summary>
public sealed record UidListEntry(long Uid, IReadOnlyDictionary<char, string> Fields, string BaseName);

/// <summary>
/// Dovecot's <c>dovecot-uidlist</c> (Dovecot 2.3, src/lib-storage/index/maildir/maildir-uidlist.c; doc.dovecot.org,
/// "Maildir mailbox format", dovecot-uidlist). Version 3: a header <c>3 V&lt;uidvalidity&gt; N&lt;nextuid&gt; G&lt;guid&gt;</c>,
/// then <c>&lt;uid&gt; [&lt;key&gt;&lt;value&gt; ...] :&lt;filename&gt;</c> per message; version 1: <c>1 &lt;uidvalidity&gt;
/// &lt;nextuid&gt;</c>, then <c>&lt;uid&gt; &lt;filename&gt;</c>. Key <c>P</c> is the POP3 UIDL Dovecot served and saved
/// (<c>pop3_save_uidl</c>); an empty <c>P</c> means the UIDL was the file name itself.
/// </summary>
public sealed record DovecotUidList(long UidValidity, IReadOnlyList<UidListEntry> Entries)
{
    /// <summary>Parses the file's text; lines it cannot read are skipped (their files then follow with new UIDLs).</summary>
    public static DovecotUidList Parse(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length == 0) throw new FormatException("dovecot-uidlist is empty");
        var header = lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var version = header[0];
        long validity = version switch
        {
            "1" when header.Length >= 2 => Number(header[1]),
            "2" or "3" => header.Skip(1).Where(f => f.StartsWith('V')).Select(f => Number(f[1..])).FirstOrDefault(-1),
            _ => throw new FormatException($"dovecot-uidlist version {version} is not one this import reads (1, 2 or 3)"),
        };
        if (validity <= 0) throw new FormatException("dovecot-uidlist header has no UIDVALIDITY");

        var entries = new List<UidListEntry>();
        foreach (var line in lines.Skip(1))
        {
            var space = line.IndexOf(' ');
            if (space <= 0 || !long.TryParse(line[..space], NumberStyles.None, CultureInfo.InvariantCulture, out var uid) || uid <= 0) continue;
            var rest = line[(space + 1)..];
            if (version == "1")
            {
                entries.Add(new UidListEntry(uid, new Dictionary<char, string>(), BaseName(rest.Trim())));
                continue;
            }
            // The file name follows the first " :" (or a leading ":"); a file name may itself contain ':' (":2,S").
            var colon = rest.StartsWith(':') ? 0 : rest.IndexOf(" :", StringComparison.Ordinal) + 1;
            if (colon < 0 || colon >= rest.Length - 1) continue;
            var fields = new Dictionary<char, string>();
            foreach (var field in rest[..colon].Split(' ', StringSplitOptions.RemoveEmptyEntries)) fields.TryAdd(field[0], field[1..]);
            entries.Add(new UidListEntry(uid, fields, BaseName(rest[(colon + 1)..])));
        }
        return new DovecotUidList(validity, entries);
    }

    /// <summary>A Maildir file name without its info part (":2,FLAGS"), as Dovecot compares them.</summary>
    public static string BaseName(string fileName)
    {
        var colon = fileName.IndexOf(':');
        return colon < 0 ? fileName : fileName[..colon];
    }

    /// <summary>
    /// The UIDL Dovecot served for this entry: its saved <c>P</c> field when present (empty: the file name), else
    /// <c>pop3_uidl_format = %08Xu%08Xv</c>, the default. Dovecot's <c>%X</c> prints lower-case hex digits
    /// (var-expand.c, "%llx"), as Dovecot 2.3.19 served them in Tests/Import; docs/spec.md §4 says upper case.
    /// </summary>
    public string UidlOf(UidListEntry entry) =>
        entry.Fields.TryGetValue('P', out var saved) ? (saved.Length > 0 ? saved : entry.BaseName) : DefaultUidl(entry.Uid, UidValidity);

    public static string DefaultUidl(long uid, long uidValidity) =>
        ((uint)uid).ToString("x8", CultureInfo.InvariantCulture) + ((uint)uidValidity).ToString("x8", CultureInfo.InvariantCulture);

    private static long Number(string text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;
}
