namespace MailActors.Policy;

/// <summary>Where a client connects from. Dial-up counts as inside; it stays distinct for logs and audit.</summary>
public enum Zone { Inside, Dialup, Outside }

[Flags]
public enum ZoneMatch { Inside = 1, Dialup = 2, Outside = 4, Campus = Inside | Dialup, Any = Campus | Outside }

public static class ZoneNames
{
    /// <summary>The name used in logs and the audit journal.</summary>
    public static string Of(Zone zone) => zone.ToString().ToLowerInvariant();
}

public static class ZoneExtensions
{
    public static bool IsInside(this Zone zone) => zone != Zone.Outside;

    public static bool Matches(this ZoneMatch match, Zone zone) => zone switch
    {
        Zone.Inside => match.HasFlag(ZoneMatch.Inside),
        Zone.Dialup => match.HasFlag(ZoneMatch.Dialup),
        _ => match.HasFlag(ZoneMatch.Outside),
    };
}
