using System.CommandLine;
using System.Text;
using MailActors.Audit;
using MailActors.Host.Admin;
using MailActors.Storage;

namespace MailActors.Host.Cli;

/// <summary><c>mailactors deliver NAME [--from ADDR] &lt; message.eml</c>: the local delivery agent.</summary>
public static class DeliverCommand
{
    public static Command Build()
    {
        var name = new Argument<string>("NAME") { Description = "the account to deliver to" };
        var from = new Option<string?>("--from") { Description = "the envelope sender, recorded as Return-Path" };
        var deliver = new Command("deliver", "store one message from standard input durably in an account's mailbox") { name, from };
        deliver.SetAction(parse => UserCommands.Run(parse, async s =>
        {
            var account = UserCommands.ValidName(parse.GetValue(name)!);
            await UserCommands.MustExist(s, account);
            using var input = Console.OpenStandardInput();
            var raw = new MemoryStream();
            await input.CopyToAsync(raw);
            if (raw.Length == 0) throw new CliError("no message on standard input");
            if (raw.Length > s.Settings.Limits.MaxMessageSize)
                throw new CliError($"message is {raw.Length} octets, over limits.max-message-size ({s.Settings.Limits.MaxMessageSize})");

            var sender = parse.GetValue(from);
            var returnPath = sender is null ? "" : $"Return-Path: <{sender}>\r\n";
            var message = MessageText.ToCrlf([.. Encoding.ASCII.GetBytes(returnPath), .. raw.ToArray()]);
            var stored = await s.Messages.DeliverAsync(account, message, sender);
            // docs/spec.md §8: the message's life starts here; no queue id (it never passed SMTP)
            await AdminAudit.RecordOfflineAsync(CommonOptions.Load(parse), new LocalDelivered("", Smtp.MessageComposer.FindHeader(message, "Message-ID"),
                account, stored.Uidl, sender ?? "", "", "deliver", OfflineJournal.Node, DateTime.UtcNow));
            Console.WriteLine($"delivered to {account}: {stored.Size} octets, uidl {stored.Uidl}");
        }));
        return deliver;
    }
}
