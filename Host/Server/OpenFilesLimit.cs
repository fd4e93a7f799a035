namespace MailActors.Host.Server;

/// <summary>The process's open-files limit (RLIMIT_NOFILE, which .NET raises to the hard limit at start).</summary>
public static class OpenFilesLimit
{
    /// <summary>Files kept for the database, the cluster, logs and certificates.</summary>
    public const int Reserved = 512;

    public static int? Read()
    {
        try
        {
            var line = File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith("Max open files"));
            var soft = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3];
            return soft is not null && int.TryParse(soft, out var limit) ? limit : null; // "unlimited" → null
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>How many connections the node may hold: <c>limits.max-connections</c> if set, else what the limit allows.</summary>
    public static int ConnectionCapacity(int configured)
    {
        if (configured > 0) return configured;
        return Read() is int limit ? Math.Max(limit - Reserved, 16) : 100_000;
    }
}
