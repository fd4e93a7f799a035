using System.Globalization;

namespace MailActors.Quotas;

/// <summary>Quota figures as administrators read them in <c>user list</c>.</summary>
public static class QuotaText
{
    private static readonly string[] Units = ["B", "KiB", "MiB", "GiB", "TiB"];

    /// <summary>1536 → "1.5 KiB"; exact units without decimals ("1 GiB").</summary>
    public static string Bytes(long bytes)
    {
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < Units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return (value == Math.Floor(value) ? value.ToString("0", CultureInfo.InvariantCulture) : value.ToString("0.#", CultureInfo.InvariantCulture)) + " " + Units[unit];
    }

    public static string Limit(long limit, Func<long, string> format) => limit == 0 ? "no limit" : format(limit);

    /// <summary>"size=12 KiB/1 GiB messages=3/50000", the account's own limits marked with "(own)".</summary>
    public static string Usage(MailboxUsage usage, Quota defaults)
    {
        var q = usage.Effective(defaults);
        return $"size={Bytes(usage.UsedBytes)}/{Limit(q.Bytes, Bytes)}{(usage.QuotaBytes is null ? "" : " (own)")}" +
               $"\tmessages={usage.UsedMessages}/{Limit(q.Messages, n => n.ToString(CultureInfo.InvariantCulture))}{(usage.QuotaMessages is null ? "" : " (own)")}";
    }
}
