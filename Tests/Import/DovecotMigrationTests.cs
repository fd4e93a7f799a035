using MailActors.Tests.Support;
using MailKit.Net.Pop3;
using MailKit.Security;

namespace MailActors.Tests.Import;

/// <summary>
/// The migration day (docs/spec.md §4): a real Dovecot writes and serves a Maildir; <c>mailactors import maildir</c> takes
/// it; a POP3 client then sees the same UIDL list in the same order, so leave-on-server clients download nothing again.
/// </summary>
[Trait("Category", "Slow")]
public sealed class DovecotMigrationTests
{
    private static async Task<IList<string>> UidlsAsync(int port, string user, string password, Func<Pop3Client, Task>? read = null)
    {
        using var client = new Pop3Client { Timeout = 15_000 };
        await client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.None);
        await client.AuthenticateAsync(user, password);
        var uidls = await client.GetMessageUidsAsync();
        if (read is not null) await read(client);
        await client.DisconnectAsync(true);
        return uidls;
    }

    private static string Message(int n) => $"From: someone@far.test\nTo: alice@example.test\nSubject: message {n}\n\nbody {n}\n";

    [SkippableTheory]
    [InlineData("default format, nothing saved", "")]
    [InlineData("saved UIDLs (P fields)", "pop3_save_uidl = yes")]
    [InlineData("file names as UIDLs, saved (empty P fields)", "pop3_uidl_format = %f\npop3_save_uidl = yes")]
    public async Task A_maildir_dovecot_served_is_served_again_with_the_same_uidls_in_the_same_order(string _, string uidlConfig)
    {
        Skip.If(DovecotServer.Unavailable is not null, DovecotServer.Unavailable);
        IList<string> served;
        string maildir;
        var copy = Directory.CreateTempSubdirectory("mailactors-maildir-").FullName;
        await using (var dovecot = await DovecotServer.StartAsync(new Dictionary<string, string> { ["alice"] = "alice-pw" }, uidlConfig))
        {
            for (var n = 1; n <= 4; n++) await dovecot.DeliverAsync("alice", Message(n));
            served = await UidlsAsync(dovecot.Port, "alice", "alice-pw", async c => await c.GetMessageAsync(0)); // a client read one (cur/, flags)
            await dovecot.DeliverAsync("alice", Message(5));
            served = await UidlsAsync(dovecot.Port, "alice", "alice-pw");
            maildir = dovecot.MaildirOf("alice");
            Assert.Equal(5, served.Count);
            CopyDirectory(maildir, copy);
        }

        await using var server = await TestServer.StartAsync();
        await server.AddUserAsync("alice", "new-pw");
        var config = server.ConfigFile();
        var first = await MailActorsCli.RunAsync(config, "", "import", "maildir", "alice", copy);
        Assert.True(first.Code == 0, first.Err);
        Assert.Equal("imported 5 message(s) into alice; 0 already there", first.Out.Trim());

        var again = await MailActorsCli.RunAsync(config, "", "import", "maildir", "alice", copy);
        Assert.True(again.Code == 0, again.Err);
        Assert.Equal("imported 0 message(s) into alice; 5 already there", again.Out.Trim());

        var ours = await UidlsAsync(server.Pop3Port, "alice", "new-pw", async c =>
        {
            for (var i = 0; i < 5; i++) Assert.Equal($"message {i + 1}", (await c.GetMessageAsync(i)).Subject);
        });
        Assert.Equal(served, ours);
        Directory.Delete(copy, recursive: true);
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }
}
