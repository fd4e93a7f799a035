using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace MailActors.Host.Web;

/// <summary>
/// The web pages' data-protection keys under data-dir/keys/web: the folder 0700 and each key file 0600, like the APOP key.
/// Every node with the same data folder (or a copy of it) reads the same sessions.
/// </summary>
public sealed class PrivateKeyRing : IXmlRepository
{
    private readonly DirectoryInfo _directory;
    private readonly FileSystemXmlRepository _files;

    public PrivateKeyRing(string directory, Microsoft.Extensions.Logging.ILoggerFactory logging)
    {
        _directory = Directory.CreateDirectory(directory);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _files = new FileSystemXmlRepository(_directory, logging);
    }

    public IReadOnlyCollection<XElement> GetAllElements() => _files.GetAllElements();

    public void StoreElement(XElement element, string friendlyName)
    {
        _files.StoreElement(element, friendlyName);
        if (OperatingSystem.IsWindows()) return;
        foreach (var file in _directory.EnumerateFiles("*.xml"))
            file.UnixFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    }
}
