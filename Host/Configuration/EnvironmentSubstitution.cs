using System.Text.Json;
using System.Text.RegularExpressions;

namespace MailActors.Host.Configuration;

/// <summary>
/// HOCON's optional environment substitution, <c>key = ${?VAR}</c>: Akka's built-in parser resolves
/// <c>${?...}</c> only against the configuration itself and yields "" when nothing is found, so it is
/// done here first. As in HOCON, a <c>key = ${?VAR}</c> line with VAR unset leaves the key as it was.
/// A value in brackets is a list and goes in as written
/// (<c>MAILACTORS_SEED_NODES='["akka.tcp://mailactors@10.0.0.1:4053", "akka.tcp://mailactors@10.0.0.2:4053"]'</c>);
/// anything else is a quoted string.
/// </summary>
public static partial class EnvironmentSubstitution
{
    [GeneratedRegex(@"^(?<key>\s*[A-Za-z0-9_.""-]+\s*[=:]\s*)\$\{\?(?<var>[A-Za-z_][A-Za-z0-9_]*)\}\s*,?\s*$", RegexOptions.Multiline)]
    private static partial Regex WholeValue();

    [GeneratedRegex(@"\$\{\?(?<var>[A-Za-z_][A-Za-z0-9_]*)\}")]
    private static partial Regex Anywhere();

    private static bool IsList(string value) => value.TrimStart().StartsWith('[') && value.TrimEnd().EndsWith(']') && !value.Contains('\n');

    public static string Apply(string hocon, Func<string, string?>? lookup = null)
    {
        lookup ??= Environment.GetEnvironmentVariable;
        var lines = WholeValue().Replace(hocon, m => lookup(m.Groups["var"].Value) is { } value
            ? m.Groups["key"].Value + (IsList(value) ? value.Trim() : JsonSerializer.Serialize(value))
            : "");
        return Anywhere().Replace(lines, m => lookup(m.Groups["var"].Value) is { } value ? JsonSerializer.Serialize(value) : m.Value);
    }
}
