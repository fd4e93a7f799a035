using System.Security.Cryptography;
using System.Text;
using MailActors.Files;

namespace MailActors.Host.Admin;

/// <summary>
/// The admin endpoint's bearer token (docs/spec.md §15): <c>data-dir/keys/admin.token</c>, random, 0600, made by the first
/// node that starts with this data folder and read by the CLI. Whoever can read it administers the node, as whoever can
/// read the database could already.
/// </summary>
public static class AdminToken
{
    public static string PathIn(string dataDir) => Path.Combine(dataDir, "keys", "admin.token");

    /// <summary>The token, made first if there is none (nodes sharing a data folder, starting together, agree on one).</summary>
    public static string LoadOrCreate(string dataDir)
    {
        var path = PathIn(dataDir);
        if (Read(path) is { } existing) return existing;
        var fresh = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var draft = $"{path}.{Environment.ProcessId}.new";
        PrivateFiles.Write(draft, fresh + "\n");
        try { File.Move(draft, path, overwrite: false); }
        catch (IOException) when (File.Exists(path)) { File.Delete(draft); } // another node made it first: theirs wins
        return Read(path) ?? throw new MailActors.Configuration.ConfigurationError($"{path}: cannot read the admin token just written");
    }

    /// <returns>null when the file is not there.</returns>
    public static string? Read(string path)
    {
        if (!File.Exists(path)) return null;
        var token = File.ReadAllText(path).Trim();
        return token.Length > 0 ? token : null;
    }

    /// <summary>Compares in constant time, so the answer's timing does not tell how much of a guess was right.</summary>
    public static bool Matches(string expected, string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(presented));
}
