using System.Text;
using MimeKit;
using MimeKit.Utils;

namespace MailActors.Delivery;

/// <summary>One recipient that could not be delivered, as a bounce reports it.</summary>
public sealed record FailedRecipient(string Recipient, string Status, string Reply, string? RemoteHost);

/// <summary>
/// RFC 3464 delivery status notifications: multipart/report; report-type=delivery-status with a human-readable
/// part, a message/delivery-status part (Reporting-MTA, Arrival-Date; per recipient Final-Recipient,
/// Action: failed, Status, Remote-MTA, Diagnostic-Code: smtp; ...) and the original message's headers.
/// Sent with the null sender, so that a bounce never bounces (RFC 5321 4.5.5).
/// </summary>
public static class DsnBuilder
{
    public static MimeMessage Build(string reportingMta, string envelopeFrom, string queueId, DateTime arrivalUtc,
        IReadOnlyList<FailedRecipient> failed, byte[] original, DateTime nowUtc)
    {
        var originalHeaders = HeadersOf(original);
        var bounce = new MimeMessage();
        bounce.From.Add(new MailboxAddress("Mail Delivery System", "MAILER-DAEMON@" + reportingMta));
        bounce.To.Add(new MailboxAddress("", envelopeFrom)); // as the envelope has it, not re-parsed
        var subject = originalHeaders[HeaderId.Subject];
        bounce.Subject = "Undelivered Mail Returned to Sender" + (subject is null ? "" : ": " + subject);
        bounce.Date = nowUtc;
        bounce.MessageId = MimeUtils.GenerateMessageId(reportingMta);
        if (originalHeaders[HeaderId.MessageId] is { } originalId) bounce.InReplyTo = originalId.Trim();
        bounce.Headers.Add("Auto-Submitted", "auto-replied"); // RFC 3834: no auto-replies to this

        var report = new MultipartReport("delivery-status");
        report.Add(new TextPart("plain") { Text = Explanation(reportingMta, failed) });

        var status = new MessageDeliveryStatus();
        var perMessage = new HeaderList
        {
            { "Reporting-MTA", "dns; " + reportingMta },
            { "X-Queue-ID", queueId },
            { "Arrival-Date", DateUtils.FormatDate(new DateTimeOffset(arrivalUtc, TimeSpan.Zero)) },
        };
        status.StatusGroups.Add(perMessage);
        foreach (var f in failed)
        {
            var group = new HeaderList
            {
                { "Final-Recipient", "rfc822; " + f.Recipient },
                { "Action", "failed" },
                { "Status", f.Status },
            };
            if (f.RemoteHost is not null) group.Add("Remote-MTA", "dns; " + f.RemoteHost);
            group.Add("Diagnostic-Code", "smtp; " + OneLine(f.Reply));
            group.Add("Last-Attempt-Date", DateUtils.FormatDate(new DateTimeOffset(nowUtc, TimeSpan.Zero)));
            status.StatusGroups.Add(group);
        }
        report.Add(status);

        var headers = new TextRfc822Headers();
        var headerBytes = HeaderBytes(original);
        headers.Message = MimeMessage.Load(new MemoryStream([.. headerBytes, (byte)'\r', (byte)'\n']));
        report.Add(headers);

        bounce.Body = report;
        return bounce;
    }

    /// <summary>The bounce as stored or queued: CRLF lines; with <c>Return-Path: &lt;&gt;</c> in front for a local mailbox.</summary>
    public static byte[] ToBytes(MimeMessage bounce, bool withReturnPath)
    {
        using var stream = new MemoryStream();
        if (withReturnPath) stream.Write("Return-Path: <>\r\n"u8);
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        bounce.WriteTo(options, stream);
        return stream.ToArray();
    }

    private static string Explanation(string reportingMta, IReadOnlyList<FailedRecipient> failed)
    {
        var text = new StringBuilder();
        text.Append("This is the mail system at host ").Append(reportingMta).Append(".\n\n");
        text.Append("I'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients. ");
        text.Append("It's attached below.\n\n");
        foreach (var f in failed)
        {
            text.Append('<').Append(f.Recipient).Append(">: ");
            text.Append(f.Status == "4.4.7" ? "gave up after retrying: " : "");
            text.Append(f.RemoteHost is null ? "" : $"host {f.RemoteHost} said: ").Append(OneLine(f.Reply)).Append('\n');
        }
        return text.ToString();
    }

    private static string OneLine(string text) => text.Replace("\r", " ").Replace("\n", " ").Trim();

    private static HeaderList HeadersOf(byte[] original)
    {
        try { return HeaderList.Load(new MemoryStream(original)); }
        catch (FormatException) { return []; }
    }

    /// <summary>The header section of the original: everything before the first empty line.</summary>
    private static byte[] HeaderBytes(byte[] original)
    {
        var span = original.AsSpan();
        if (span.StartsWith("\r\n"u8)) return [];
        var end = span.IndexOf("\r\n\r\n"u8);
        return end < 0 ? original : span[..(end + 2)].ToArray();
    }
}
