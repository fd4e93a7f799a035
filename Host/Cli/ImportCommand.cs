using System.CommandLine;
using MailActors.Host.Admin;
using MailActors.Import;
using MailActors.Storage;

namespace MailActors.Host.Cli;

/// <summary>
/// <c>mailactors import maildir NAME DIR | import mbox NAME FILE</c> (docs/spec.md §4, §12): the migration from Dovecot.
/// Messages are stored durably in batches, in the old server's order, with the UIDLs it served; a second run skips what
/// the first stored and says so. Administrative: counted in the mailbox's usage, never refused for quota.
/// </summary>
public static class ImportCommand
{
    private const int BatchMessages = 200;
    private const long BatchBytes = 32 << 20;

    public static Command Build()
    {
        var import = new Command("import", "bring an account's mail over from Dovecot (or any Maildir or mbox), keeping its UIDLs");
        var name = new Argument<string>("NAME") { Description = "the account to import into (it must exist)" };
        var dir = new Argument<string>("DIR") { Description = "the Maildir (the folder holding cur/, new/ and dovecot-uidlist)" };
        var file = new Argument<string>("FILE") { Description = "the mbox file" };

        var maildir = new Command("maildir", "import a Maildir's messages in dovecot-uidlist order") { name, dir };
        maildir.SetAction(parse => UserCommands.Run(parse, async s =>
        {
            var account = await ExistingAccount(s, parse.GetValue(name)!);
            var path = parse.GetValue(dir)!;
            (IReadOnlyList<MaildirFile> Files, int ListedButMissing) plan;
            try { plan = MaildirSource.Read(path); }
            catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException) { throw new CliError($"{path}: {e.Message}"); }
            if (plan.ListedButMissing > 0) Console.Error.WriteLine($"note: {plan.ListedButMissing} file(s) named in {MaildirSource.UidListFile} are gone; skipped");
            var messages = plan.Files.Select(f => (f.ImportKey, f.Uidl, Body: MessageText.ToCrlf(File.ReadAllBytes(f.Path)), Received: File.GetLastWriteTimeUtc(f.Path)));
            await ImportAsync(s.Mailboxes, account, messages, plan.Files.Count, CommonOptions.Load(parse), $"maildir {Path.GetFullPath(path)}");
        }));

        var mbox = new Command("mbox", "import an mbox file's messages in file order") { name, file };
        mbox.SetAction(parse => UserCommands.Run(parse, async s =>
        {
            var account = await ExistingAccount(s, parse.GetValue(name)!);
            var path = parse.GetValue(file)!;
            if (!File.Exists(path)) throw new CliError($"{path}: no such file");
            await using var stream = File.OpenRead(path);
            var now = DateTime.UtcNow;
            var messages = MboxSource.Read(stream, Uidl.New).Select(m => (m.ImportKey, m.Uidl, m.Body, Received: now));
            await ImportAsync(s.Mailboxes, account, messages, null, CommonOptions.Load(parse), $"mbox {Path.GetFullPath(path)}");
        }));

        import.Subcommands.Add(maildir);
        import.Subcommands.Add(mbox);
        return import;
    }

    private static async Task<string> ExistingAccount(Server.MailServices s, string name)
    {
        var account = UserCommands.ValidName(name);
        await UserCommands.MustExist(s, account);
        return account;
    }

    private static async Task ImportAsync(IMailboxes mailboxes, string account,
        IEnumerable<(string ImportKey, string Uidl, byte[] Body, DateTime Received)> messages, int? total,
        Configuration.LoadedConfig config, string source)
    {
        var (imported, seen, renamed) = (0, 0, 0);
        var batch = new List<ImportedMessage>();
        long batchBytes = 0;
        async Task Flush()
        {
            if (batch.Count == 0) return;
            imported += await mailboxes.ImportAsync(account, batch);
            batch.Clear();
            batchBytes = 0;
            // Progress on long imports, on stderr so that stdout keeps the one summary line.
            if (total is null || total > BatchMessages) Console.Error.WriteLine($"progress: {seen}{(total is null ? "" : $"/{total}")} read, {imported} imported");
        }

        foreach (var m in messages)
        {
            seen++;
            var uidl = m.Uidl;
            if (!Uidl.IsValid(uidl))
            {
                uidl = Uidl.New(); // not servable as RFC 1939 says; such a message will be downloaded again, once
                renamed++;
            }
            batch.Add(new ImportedMessage(m.ImportKey, uidl, m.Body, DateTime.SpecifyKind(m.Received, DateTimeKind.Utc)));
            batchBytes += m.Body.Length;
            if (batch.Count >= BatchMessages || batchBytes >= BatchBytes) await Flush();
        }
        await Flush();
        if (renamed > 0) Console.Error.WriteLine($"note: {renamed} UIDL(s) were not valid POP3 UIDLs and got new ones");
        if (imported > 0) await AdminAudit.RecordAsync(config, "import", $"{account} <- {source}: {imported} message(s)");
        Console.WriteLine($"imported {imported} message(s) into {account}; {seen - imported} already there");
    }
}
