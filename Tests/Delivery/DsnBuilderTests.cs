using System.Text;
using MailActors.Delivery;
using MimeKit;

namespace MailActors.Tests.Delivery;

public sealed class DsnBuilderTests
{
    private static readonly byte[] Original = Encoding.ASCII.GetBytes(
        "Received: from client.test\r\nFrom: alice@example.test\r\nTo: x@remote.test\r\nSubject: plans\r\nMessage-ID: <m1@example.test>\r\n\r\nsecret body text\r\n");

    private static MimeMessage Bounce(string status = "5.1.1", string reply = "550 5.1.1 no such user") =>
        DsnBuilder.Build("mail.test", "alice@example.test", "Q1", DateTime.UtcNow.AddMinutes(-5),
            [new FailedRecipient("x@remote.test", status, reply, "mx.remote.test:25")], Original, DateTime.UtcNow);

    [Fact]
    public void A_bounce_is_an_RFC_3464_report_that_MimeKit_reads_as_such()
    {
        var parsed = MimeMessage.Load(new MemoryStream(DsnBuilder.ToBytes(Bounce(), withReturnPath: true)));
        Assert.Equal("<>", parsed.Headers["Return-Path"]);
        var report = Assert.IsType<MultipartReport>(parsed.Body);
        Assert.Equal("delivery-status", report.ReportType);
        var status = Assert.Single(report.OfType<MessageDeliveryStatus>());
        Assert.Equal("dns; mail.test", status.StatusGroups[0]["Reporting-MTA"]);
        var recipient = status.StatusGroups[1];
        Assert.Equal("rfc822; x@remote.test", recipient["Final-Recipient"]);
        Assert.Equal("failed", recipient["Action"]);
        Assert.Equal("5.1.1", recipient["Status"]);
        Assert.Equal("smtp; 550 5.1.1 no such user", recipient["Diagnostic-Code"]);
        Assert.Equal("alice@example.test", parsed.To.Mailboxes.Single().Address);
        Assert.Equal("<m1@example.test>", "<" + parsed.InReplyTo + ">");
    }

    [Fact]
    public void A_bounce_carries_the_original_headers_but_not_its_body()
    {
        var text = Encoding.ASCII.GetString(DsnBuilder.ToBytes(Bounce(), withReturnPath: false));
        var headers = Assert.Single(Assert.IsType<MultipartReport>(Bounce().Body).OfType<TextRfc822Headers>());
        Assert.Equal("plans", headers.Message!.Subject);
        Assert.Contains("text/rfc822-headers", text);
        Assert.DoesNotContain("secret body text", text);
        Assert.DoesNotContain("Return-Path", text);
    }

    [Fact]
    public void Giving_up_reports_4_4_7_with_the_last_reply()
    {
        var status = Assert.IsType<MultipartReport>(Bounce("4.4.7", "gave up; last reply: 451 4.3.0 later").Body).OfType<MessageDeliveryStatus>().Single();
        Assert.Equal("4.4.7", status.StatusGroups[1]["Status"]);
        Assert.Contains("451 4.3.0 later", status.StatusGroups[1]["Diagnostic-Code"]);
    }

    [Fact]
    public void A_bounce_says_it_is_automatic_so_that_nobody_auto_replies_to_it() =>
        Assert.Equal("auto-replied", Bounce().Headers["Auto-Submitted"]);
}
