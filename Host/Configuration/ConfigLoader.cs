using System.Reflection;
using Akka.Configuration;
using MailActors.Configuration;

namespace MailActors.Host.Configuration;

/// <summary>The whole configuration: built-in defaults with <c>--config</c> files layered over them (later wins).</summary>
public sealed record LoadedConfig(Config Root, MailActorsSettings Settings);

public static class ConfigLoader
{
    public const string DefaultsResource = "hocon/mailactors.conf";
    public const string AkkaResource = "hocon/akka.conf";

    public static LoadedConfig Load(IReadOnlyList<string> files, int? portOffset = null, params string[] overrides)
    {
        var root = Embedded(AkkaResource).WithFallback(Embedded(DefaultsResource));
        foreach (var file in files) root = ParseFile(file).WithFallback(root);
        foreach (var text in overrides) root = ConfigurationFactory.ParseString(EnvironmentSubstitution.Apply(text)).WithFallback(root);
        return new LoadedConfig(root, SettingsReader.Read(root, portOffset));
    }

    public static Config Embedded(string resource) => ConfigurationFactory.ParseString(EmbeddedText(resource));

    /// <summary>A built-in profile's text (<c>hocon/mailactors.conf</c>, <c>hocon/akka.conf</c>, <c>hocon/test.conf</c>).</summary>
    public static string EmbeddedText(string resource)
    {
        using var stream = typeof(ConfigLoader).Assembly.GetManifestResourceStream(resource)
                           ?? throw new InvalidOperationException($"built-in configuration {resource} is missing from the build");
        return new StreamReader(stream).ReadToEnd();
    }

    private static Config ParseFile(string file)
    {
        string text;
        try { text = File.ReadAllText(file); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationError($"--config {file}: cannot read: {e.Message}");
        }
        try { return ConfigurationFactory.ParseString(EnvironmentSubstitution.Apply(text)); }
        catch (Exception e)
        {
            throw new ConfigurationError($"--config {file}: not valid HOCON: {e.Message.Split('\n')[0]}");
        }
    }
}
