using MailActors.Storage;

namespace MailActors.Import;

/// <summary>A Maildir file to import: where it is, what names it for a second run, and the UIDL it keeps.</summary>
public sealed record MaildirFile(string Path, string ImportKey, string Uidl);

/// <summary>
/// The messages of a Maildir (its <c>cur/</c> and <c>new/</c>; <c>tmp/</c> holds deliveries in progress, and
/// sub-folders are not POP3's) in the order to import them (docs/spec.md §4): <c>dovecot-uidlist</c> order with the UIDLs
/// Dovecot served, then the files the list does not name, by name, with new UIDLs.
/// </summary>
public static class MaildirSource
{
    public const string UidListFile = "dovecot-uidlist";

    public static (IReadOnlyList<MaildirFile> Files, int ListedButMissing) Read(string dir)
    {
        if (!Directory.Exists(Path.Combine(dir, "cur")) && !Directory.Exists(Path.Combine(dir, "new")))
            throw new FormatException($"{dir} is not a Maildir (no cur/ or new/)");
        var files = new[] { "cur", "new" }
            .Select(sub => Path.Combine(dir, sub))
            .Where(Directory.Exists)
            .SelectMany(Directory.EnumerateFiles)
            .Where(p => !Path.GetFileName(p).StartsWith('.'))
            .ToList();
        var listPath = Path.Combine(dir, UidListFile);
        var list = File.Exists(listPath) ? DovecotUidList.Parse(File.ReadAllText(listPath)) : null;
        return Plan(list, files, Uidl.New);
    }

    /// <summary>The pure part: <paramref name="files"/> are paths; <paramref name="newUidl"/> makes a UIDL for an unlisted file.</summary>
    public static (IReadOnlyList<MaildirFile> Files, int ListedButMissing) Plan(DovecotUidList? list, IReadOnlyList<string> files, Func<string> newUidl)
    {
        var byBase = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in files) byBase.TryAdd(DovecotUidList.BaseName(Path.GetFileName(path)), path);

        var planned = new List<MaildirFile>();
        var missing = 0;
        foreach (var entry in list?.Entries.OrderBy(e => e.Uid) ?? Enumerable.Empty<UidListEntry>())
        {
            if (byBase.Remove(entry.BaseName, out var path)) planned.Add(new MaildirFile(path, Key(entry.BaseName), list!.UidlOf(entry)));
            else missing++;
        }
        foreach (var (baseName, path) in byBase.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            planned.Add(new MaildirFile(path, Key(baseName), newUidl()));
        return (planned, missing);
    }

    private static string Key(string baseName) => "maildir:" + baseName;
}
