using System.Runtime.Versioning;

namespace MailActors.Files;

/// <summary>
/// What of the data folder only the server's user may read (docs/spec.md §15): the folder itself and the folders of keys
/// and TLS files 0700; the database, keys and private keys 0600. Looser modes found at start are tightened and reported.
/// </summary>
public static class FileModes
{
    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <param name="databaseFile">the SQLite file (its -wal and -shm go with it), or null on PostgreSQL</param>
    /// <param name="keyFiles">MailActors' own key files configured outside the data folder (the APOP key)</param>
    /// <returns>what was tightened, as "path (0644 → 0600)"; empty when everything was already private.</returns>
    public static IReadOnlyList<string> Tighten(string dataDir, string? databaseFile, IEnumerable<string> keyFiles)
    {
        if (OperatingSystem.IsWindows()) return [];
        var changed = new List<string>();
        foreach (var dir in new[] { dataDir, Path.Combine(dataDir, "keys"), Path.Combine(dataDir, "tls"), Path.Combine(dataDir, "tls", "cluster") })
            Narrow(dir, PrivateFiles.DirectoryMode, changed);
        var files = new List<string>();
        if (databaseFile is not null) files.AddRange([databaseFile, databaseFile + "-wal", databaseFile + "-shm"]);
        var keys = Path.Combine(dataDir, "keys");
        if (Directory.Exists(keys)) files.AddRange(Directory.GetFiles(keys));
        foreach (var tls in new[] { Path.Combine(dataDir, "tls"), Path.Combine(dataDir, "tls", "cluster") })
            if (Directory.Exists(tls)) files.AddRange(Directory.GetFiles(tls, "*-key.pem"));
        files.AddRange(keyFiles);
        foreach (var file in files.Distinct()) Narrow(file, PrivateFiles.FileMode, changed);
        return changed;
    }

    [UnsupportedOSPlatform("windows")]
    private static void Narrow(string path, UnixFileMode mode, List<string> changed)
    {
        if (!File.Exists(path) && !Directory.Exists(path)) return;
        var current = File.GetUnixFileMode(path);
        if ((current & GroupOrOther) == 0) return;
        File.SetUnixFileMode(path, current & ~GroupOrOther | mode);
        changed.Add($"{path} ({Octal(current)} → {Octal(File.GetUnixFileMode(path))})");
    }

    [UnsupportedOSPlatform("windows")]
    private static string Octal(UnixFileMode mode) => Convert.ToString((int)mode & 0x1FF, 8).PadLeft(4, '0');
}
