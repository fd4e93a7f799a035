using System.CommandLine;
using MailActors.Accounts;
using MailActors.Accounts.Ldap;
using MailActors.Host.Admin;
using MailActors.Host.Server;
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

        var list = new Command("list", "list accounts");
        list.SetAction(parse => Run(parse, async s =>
        {
            foreach (var a in await s.Accounts.ListAccountsAsync())
                Console.WriteLine($"{a.Name}\t{AccountStates.Name(a.State)}\tapop={(a.ApopSecretSealed is null ? "no" : "yes")}\tcreated={a.CreatedUtc:yyyy-MM-ddTHH:mm:ssZ}" +
                                  (s.Directory is { } directory ? $"\tdirectory={await InDirectoryAsync(directory, a.Name)}" : ""));
        }));

        user.Subcommands.Add(add);
        user.Subcommands.Add(passwd);
        user.Subcommands.Add(apop);
        user.Subcommands.Add(del);
        user.Subcommands.Add(disable);
        user.Subcommands.Add(enable);
        user.Subcommands.Add(list);
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
}
