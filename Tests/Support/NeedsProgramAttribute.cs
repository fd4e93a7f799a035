namespace MailActors.Tests.Support;

/// <summary>
/// A fact that needs a program from a Debian package: skipped, with a line that says how to get it, when the program is
/// missing (xunit 2 decides skips when it discovers the test). <c>.ci/run</c> installs these packages.
/// </summary>
public sealed class NeedsProgramFactAttribute : FactAttribute
{
    public NeedsProgramFactAttribute(string program, string package)
    {
        if (!File.Exists(program)) Skip = $"{program} is missing: apt-get install {package} (or run .ci/run, which installs it)";
    }
}
