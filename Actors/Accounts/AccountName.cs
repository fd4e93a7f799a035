namespace MailActors.Accounts;

/// <summary>Login names: the local part of the account's address, lower case.</summary>
public static class AccountName
{
    public static bool IsValid(string name) =>
        name.Length is > 0 and <= 64 &&
        name.All(ch => ch is >= 'a' and <= 'z' or >= '0' and <= '9' or '.' or '-' or '_') &&
        name[0] != '.' && name[^1] != '.';

    /// <summary>A login may be given as <c>name</c> or <c>name@local-domain</c>; null if it names no account here.</summary>
    public static string? Normalize(string login, IReadOnlyList<string> localDomains)
    {
        var lower = login.Trim().ToLowerInvariant();
        var at = lower.LastIndexOf('@');
        if (at >= 0)
        {
            if (!localDomains.Contains(lower[(at + 1)..])) return null;
            lower = lower[..at];
        }
        return IsValid(lower) ? lower : null;
    }
}
