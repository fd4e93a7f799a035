using System.CommandLine;
using MailActors.Accounts;
using MailActors.Accounts.Ldap;
using MailActors.Host.Admin;
using MailActors.Host.Server;
using MailActors.Quotas;
using MailActors.Storage;

namespace MailActors.Host.Cli;

/// <summary><c>mailactors user add|passwd|apop|del|disable|enable|list</c></summary>
public static class UserCommands
{
    public static Command Build()
    {
        var user = new Command("user", "manage accounts");
        var name = new Argument<string>("NAME") { Description = "the login name (the local part of the address)" };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "read the password from the first line of standard input" };
        var secretStdin = new Option<bool>("--secret-stdin") { Description = "read the APOP secret from the first line of standard input" };

        var add = new Command("add", "create an account") { name, passwordStdin };
        add.SetAction(parse => Run(parse, async s =>
        {
            var account = ValidName(parse.GetValue(name)!);
            LocalPasswordsOnly(s);
            if (await s.Accounts.FindAccountAsync(account) is not null) throw new CliError($"account {account} already exists");
            var hash = PasswordHasher.Hash(Secrets.Read(parse.GetValue(passwordStdin), "password"));
            if (!await s.Accounts.AddAccountAsync(account, hash)) throw new CliError($"account {account} already exists");
            await AdminAudit.RecordAsync(CommonOptions.Load(parse), "user add", account);
            Console.WriteLine($"added {account} ({string.Join(", ", s.Settings.LocalDomains.Select(d => $"{account}@{d}"))})");
        }));

        var passwd = new Command("passwd", "set an account's login password") { name, passwordStdin };
        passwd.SetAction(parse => Run(parse, async s =>
        {
            var account = ValidName(parse.GetValue(name)!);
            LocalPasswordsOnly(s);
            await MustExist(s, account);
            var hash = PasswordHasher.Hash(Secrets.Read(parse.GetValue(passwordStdin), "password"));
            if (!await s.Accounts.SetPasswordHashAsync(account, hash)) throw NoSuchAccount(account);
            await GrantsCommand.RevokeAccountAsync(CommonOptions.Load(parse), account, "password changed");
            await AdminAudit.RecordAsync(CommonOptions.Load(parse), "user passwd", account);
            Console.WriteLine($"password changed for {account}");
        }));

        var apop = new Command("apop", "set an account's APOP-only secret (separate from its login password)") { name, secretStdin };
        apop.SetAction(parse => Run(parse, async s =>
        {
            var account = await AccountOfAsync(s, ValidName(parse.GetValue(name)!));
            var secret = Secrets.Read(parse.GetValue(secretStdin), "secret");
            if (!await s.Accounts.SetApopSecretAsync(account, s.ApopCipher.Seal(secret))) throw NoSuchAccount(account);
            await GrantsCommand.RevokeAccountAsync(CommonOptions.Load(parse), account, "APOP secret changed");
            await AdminAudit.RecordAsync(CommonOptions.Load(parse), "user apop", account);
            Console.WriteLine($"APOP secret set for {account}");
        }));

        var del = new Command("del", "delete an account and its mail") { name };
        del.SetAction(parse => Run(parse, async s =>
        {
            var account = ValidName(parse.GetValue(name)!);
            if (!await s.Accounts.DeleteAccountAsync(account)) throw NoSuchAccount(account);
            await GrantsCommand.RevokeAccountAsync(CommonOptions.Load(parse), account, "account deleted");
            await AdminAudit.RecordAsync(CommonOptions.Load(parse), "user del", account);
            Console.WriteLine($"deleted {account}");
        }));

        var disable = new Command("disable", "disable an account: no login, no grant, mail to it refused; its mail is kept") { name };
        disable.SetAction(parse => Run(parse, s => SetStateAsync(parse, s, parse.GetValue(name)!, AccountState.Disabled)));
        var enable = new Command("enable", "enable a disabled account again") { name };
        enable.SetAction(parse => Run(parse, s => SetStateAsync(parse, s, parse.GetValue(name)!, AccountState.Active)));

        var list = new Command("list", "list accounts, with their state, mailbox usage and quota");
        list.SetAction(parse => Run(parse, async s =>
        {
            var usage = (await s.Mailboxes.ListMailboxesAsync()).ToDictionary(u => u.Account);
            foreach (var a in await s.Accounts.ListAccountsAsync())
                Console.WriteLine($"{a.Name}\t{AccountStates.Name(a.State)}\tapop={(a.ApopSecretSealed is null ? "no" : "yes")}\tcreated={a.CreatedUtc:yyyy-MM-ddTHH:mm:ssZ}" +
                                  (s.Directory is { } directory ? $"\tdirectory={await InDirectoryAsync(directory, a.Name)}" : "") +
                                  (usage.TryGetValue(a.Name, out var u) ? "\t" + QuotaText.Usage(u, s.Settings.DefaultQuota) : ""));
        }));

        var size = new Option<string?>("--size") { Description = "the mailbox's size limit, as 2GiB or 500MiB; 0: no limit; default: the configured default" };
        var messages = new Option<string?>("--messages") { Description = "the mailbox's message limit; 0: no limit; default: the configured default" };
        var quota = new Command("quota", "set an account's own quota (docs/spec.md §4); a mailbox at or over it refuses mail with 452 4.2.2") { name, size, messages };
        quota.SetAction(parse => Run(parse, async s =>
        {
            var account = ValidName(parse.GetValue(name)!);
            var current = await s.Mailboxes.FindMailboxAsync(account) ?? throw NoSuchAccount(account);
            if (parse.GetValue(size) is null && parse.GetValue(messages) is null) throw new CliError("give --size, --messages or both");
            var bytes = parse.GetValue(size) is { } sizeText ? QuotaLimit(sizeText, "--size", isSize: true) : current.QuotaBytes;
            var count = parse.GetValue(messages) is { } countText ? QuotaLimit(countText, "--messages", isSize: false) : current.QuotaMessages;
            if (!await s.Mailboxes.SetQuotaAsync(account, bytes, count)) throw NoSuchAccount(account);
            await AdminAudit.RecordAsync(CommonOptions.Load(parse), "user quota", $"{account} size={bytes?.ToString() ?? "default"} messages={count?.ToString() ?? "default"}");
            var updated = (await s.Mailboxes.FindMailboxAsync(account))!;
            Console.WriteLine($"quota of {account}: {QuotaText.Usage(updated, s.Settings.DefaultQuota)}");
        }));

        user.Subcommands.Add(add);
        user.Subcommands.Add(passwd);
        user.Subcommands.Add(apop);
        user.Subcommands.Add(del);
        user.Subcommands.Add(disable);
        user.Subcommands.Add(enable);
        user.Subcommands.Add(list);
        user.Subcommands.Add(quota);
        return user;
    }

    /// <summary>
    /// The state goes straight to the database, which every node reads at each login and RCPT; a disable then
    /// revokes the account's live grants on the running node, or in the journal when none answers (docs/spec.md §4).
    /// </summary>
    private static async Task SetStateAsync(ParseResult parse, MailServices s, string name, AccountState state)
    {
        var account = await AccountOfAsync(s, ValidName(name));
        if (!await s.Accounts.SetStateAsync(account, state)) throw NoSuchAccount(account);
        var config = CommonOptions.Load(parse);
        if (state == AccountState.Disabled) await GrantsCommand.RevokeAccountAsync(config, account, "account disabled");
        await AdminAudit.RecordAsync(config, state == AccountState.Disabled ? "user disable" : "user enable", account);
        Console.WriteLine($"{account} is {AccountStates.Name(state)}");
    }

    internal static async Task<int> Run(ParseResult parse, Func<MailServices, Task> action)
    {
        using var services = MailServices.Open(CommonOptions.Load(parse).Settings);
        await action(services);
        return 0;
    }

    internal static string ValidName(string name) =>
        AccountName.IsValid(name) ? name : throw new CliError($"\"{name}\" is not a valid account name (use a-z, 0-9, '.', '-', '_')");

    /// <summary>
    /// The account a name stands for. With a directory, a directory user's mailbox (by login name or address),
    /// whose row is made now if they never logged in: `user apop` and `user disable` work before a first login (docs/spec.md §4).
    /// </summary>
    private static async Task<string> AccountOfAsync(MailServices s, string name)
    {
        if (s.Directory is not { } directory)
        {
            await MustExist(s, name);
            return name;
        }
        try
        {
            var user = await directory.ResolveAsync(name) ?? throw NoSuchAccount(name);
            await directory.MailboxAsync(user.Mailbox);
            return user.Mailbox;
        }
        catch (DirectoryUnavailable e)
        {
            throw new CliError($"the directory did not answer ({e.Message}); try again");
        }
    }

    /// <summary>present, gone (the account behaves as disabled until the user is back), or unknown when the directory does not answer.</summary>
    private static async Task<string> InDirectoryAsync(LdapDirectory directory, string mailbox)
    {
        try { return await directory.UserOfMailboxAsync(mailbox) is null ? "gone" : "present"; }
        catch (DirectoryUnavailable) { return "unknown"; }
    }

    private static void LocalPasswordsOnly(MailServices s)
    {
        if (s.Directory is not null)
            throw new CliError("login passwords are the directory's (accounts.source = \"ldap\"): change them there; `user apop` sets the APOP-only secret");
    }

    internal static async Task MustExist(MailServices s, string account)
    {
        if (await s.Accounts.FindAccountAsync(account) is null) throw NoSuchAccount(account);
    }

    private static CliError NoSuchAccount(string account) => new($"no such account: {account}");

    /// <summary>"default" → null; a size read as HOCON reads one (2GiB, 500MB, 1048576); a count as a whole number.</summary>
    private static long? QuotaLimit(string text, string option, bool isSize)
    {
        text = text.Trim();
        if (text.Equals("default", StringComparison.OrdinalIgnoreCase)) return null;
        if (!isSize) return long.TryParse(text, out var n) && n >= 0 ? n : throw new CliError($"{option}: \"{text}\" is not a whole number (0: no limit)");
        if (!System.Text.RegularExpressions.Regex.IsMatch(text, @"^[0-9]+(\.[0-9]+)?\s*[A-Za-z]{0,5}$"))
            throw new CliError($"{option}: \"{text}\" is not a size (write 2GiB, 500MiB, 0 for no limit, or default)");
        try
        {
            return Akka.Configuration.ConfigurationFactory.ParseString($"v = {text}").GetByteSize("v") ?? throw new FormatException();
        }
        catch (Exception e) when (e is not CliError)
        {
            throw new CliError($"{option}: \"{text}\" is not a size (write 2GiB, 500MiB, 0 for no limit, or default)");
        }
    }
}
