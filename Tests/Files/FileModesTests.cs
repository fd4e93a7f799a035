using System.Diagnostics;
using System.Runtime.Versioning;
using MailActors.Files;
using MailActors.Host.Admin;
using MailActors.Tests.Support;

namespace MailActors.Tests.Files;

/// <summary>
/// No other local user reads the mail, the password hashes or the keys (docs/spec.md §15, issue 12 item 7): the data
/// folder is 0700, the database, keys and private keys 0600, from the first start; looser modes are tightened at start.
/// </summary>
[Trait("Category", "Slow")]
[UnsupportedOSPlatform("windows")]
public sealed class FileModesTests : IAsyncLifetime
{
    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateDir = Private | UnixFileMode.UserExecute;
    private readonly string _parent = Directory.CreateTempSubdirectory("mailactors-modes-").FullName;
    private string DataDir => Path.Combine(_parent, "data"); // not there yet: the server makes it
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        File.SetUnixFileMode(_parent, PrivateDir | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        _server = await TestServer.StartAsync($"""mailactors.data-dir = "{DataDir}" """, admin: true);
        await _server.AddUserAsync("alice", "alice-pw", apopSecret: "alice-apop");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_parent, recursive: true);
    }

    private string[] PrivateFilesOfANode => [
        Path.Combine(DataDir, "mailactors.db"),
        Path.Combine(DataDir, "keys", "apop.key"),
        AdminToken.PathIn(DataDir),
        Path.Combine(DataDir, "tls", "server-key.pem"),
        Path.Combine(DataDir, "tls", "ca-key.pem"),
    ];

    [Fact]
    public void A_new_data_folder_is_the_servers_alone_from_the_first_start()
    {
        Assert.Equal(PrivateDir, File.GetUnixFileMode(DataDir));
        foreach (var file in PrivateFilesOfANode) Assert.True(Private == File.GetUnixFileMode(file), $"{file}: {File.GetUnixFileMode(file)}");
        foreach (var wal in new[] { "mailactors.db-wal", "mailactors.db-shm" }.Select(f => Path.Combine(DataDir, f)).Where(File.Exists))
            Assert.Equal(UnixFileMode.None, File.GetUnixFileMode(wal) & ~Private);
        // a reader's ls, not only .NET's view
        var ls = Process.Start(new ProcessStartInfo("stat", ["-c", "%a", DataDir, Path.Combine(DataDir, "mailactors.db")]) { RedirectStandardOutput = true })!;
        Assert.Equal("700\n600\n", ls.StandardOutput.ReadToEnd());
    }

    [Fact]
    public async Task Looser_modes_found_at_start_are_tightened()
    {
        await _server.StopAsync();
        var loose = UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        File.SetUnixFileMode(DataDir, PrivateDir | loose | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        foreach (var file in PrivateFilesOfANode) File.SetUnixFileMode(file, Private | loose);

        await _server.RestartAsync();

        Assert.Equal(PrivateDir, File.GetUnixFileMode(DataDir));
        foreach (var file in PrivateFilesOfANode) Assert.Equal(Private, File.GetUnixFileMode(file));
    }

    [Fact]
    public void Tightening_reports_each_path_it_changed_and_nothing_when_all_is_private()
    {
        var dir = Directory.CreateTempSubdirectory("mailactors-tighten-").FullName;
        try
        {
            var key = Path.Combine(dir, "keys", "apop.key");
            PrivateFiles.Write(key, "k"u8);
            File.SetUnixFileMode(key, Private | UnixFileMode.OtherRead);

            var changed = FileModes.Tighten(dir, null, []);

            Assert.Equal([$"{key} (0604 → 0600)"], changed);
            Assert.Empty(FileModes.Tighten(dir, null, []));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
