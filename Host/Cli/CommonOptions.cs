using System.CommandLine;
using MailActors.Host.Configuration;

namespace MailActors.Host.Cli;

/// <summary>Options every command takes (docs/spec.md §12).</summary>
public static class CommonOptions
{
    public static readonly Option<string[]> Config = new("--config")
    {
        Description = "a HOCON file layered over the built-in defaults (repeatable; later files win)",
        AllowMultipleArgumentsPerToken = false,
        Recursive = true,
        DefaultValueFactory = _ => [],
    };

    public static LoadedConfig Load(ParseResult parse, int? portOffset = null) =>
        ConfigLoader.Load(parse.GetValue(Config) ?? [], portOffset);
}
