using System.Text.Json;
using System.Text.RegularExpressions;

namespace MailActors.Host.Configuration;

/// <summary>
/// HOCON's optional environment substitution, <c>key = ${?VAR}</c>: Akka's built-in parser resolves
/// <c>${?...}</c> only against the configuration itself and yields "" when nothing is found, so it is
/// done here first. As in HOCON, a <c>key = ${?VAR}</c> line with VAR unset leaves the key as it was.
/// </summary>
public static partial class EnvironmentSubstitution
{
    [GeneratedRegex(@"^(?<key>\s*[A-Za-z0-9_.""-]+\s*[=:]\s*)\$\{\?(?<var>[A-Za-z_][A-Za-z0-9_]*)\}\s*,?\s*$", RegexOptions.Multiline)]
    private static partial Regex WholeValue();

    [GeneratedRegex(@"\$\{\?(?<var>[A-Za-z_][A-Za-z0-9_]*)\}")]
    private static partial Regex Anywhere();

    public static string Apply(string hocon, Func<string, string?>? lookup = null)
    {
        lookup ??= Environment.GetEnvironmentVariable;
        var lines = WholeValue().Replace(hocon, m => lookup(m.Groups["var"].Value) is { } value
            ? m.Groups["key"].Value + JsonSerializer.Serialize(value)
            : "");
        return Anywhere().Replace(lines, m => lookup(m.Groups["var"].Value) is { } value ? JsonSerializer.Serialize(value) : m.Value);
    }
}
