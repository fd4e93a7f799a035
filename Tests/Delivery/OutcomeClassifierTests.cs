using System.Net.Sockets;
using MailActors.Delivery;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace MailActors.Tests.Delivery;

public sealed class OutcomeClassifierTests
{
    [Fact]
    public void A_5xx_reply_fails_with_the_remotes_enhanced_status()
    {
        var e = new SmtpCommandException(SmtpErrorCode.RecipientNotAccepted, SmtpStatusCode.MailboxUnavailable, "5.1.1 <x@remote.test>: no such user");
        var failed = Assert.IsType<DeliveryOutcome.Failed>(OutcomeClassifier.Classify(e));
        Assert.Equal("5.1.1", failed.Status);
        Assert.Equal("550 5.1.1 <x@remote.test>: no such user", failed.Reply);
    }

    [Fact]
    public void A_5xx_reply_without_an_enhanced_status_fails_as_5_0_0() =>
        Assert.Equal("5.0.0", Assert.IsType<DeliveryOutcome.Failed>(
            OutcomeClassifier.Classify(new SmtpCommandException(SmtpErrorCode.MessageNotAccepted, SmtpStatusCode.TransactionFailed, "rejected"))).Status);

    [Fact]
    public void A_5xx_reply_whose_text_claims_a_4_status_is_still_permanent_with_a_5_status() =>
        Assert.Equal("5.0.0", Assert.IsType<DeliveryOutcome.Failed>(OutcomeClassifier.FromReply(554, "4.7.1 confused")).Status);

    [Fact]
    public void A_4xx_reply_is_deferred_with_its_text()
    {
        var e = new SmtpCommandException(SmtpErrorCode.MessageNotAccepted, SmtpStatusCode.ErrorInProcessing, "4.3.0 try later");
        Assert.Equal("451 4.3.0 try later", Assert.IsType<DeliveryOutcome.Deferred>(OutcomeClassifier.Classify(e)).Reply);
    }

    public static TheoryData<Exception> ConnectionFaults() => new()
    {
        new SmtpProtocolException("The SMTP server has unexpectedly disconnected."),
        new SocketException((int)SocketError.ConnectionRefused),
        new IOException("broken pipe", new SocketException((int)SocketError.ConnectionReset)),
        new TimeoutException("no reply"),
        new OperationCanceledException(),
        new SslHandshakeException("bad handshake"),
        new InvalidOperationException("anything else"),
    };

    [Theory]
    [MemberData(nameof(ConnectionFaults))]
    public void Connection_faults_and_the_unexpected_are_deferred_never_bounced(Exception e) =>
        Assert.IsType<DeliveryOutcome.Deferred>(OutcomeClassifier.Classify(e));

    [Theory]
    [InlineData("5.1.1 no such user", "5.1.1")]
    [InlineData("  4.2.2 mailbox full", "4.2.2")]
    [InlineData("5.7.26 unauthenticated", "5.7.26")]
    [InlineData("no status here", null)]
    [InlineData("5.1.1.1 not a status", null)]
    public void The_enhanced_status_is_read_from_the_start_of_the_reply(string text, string? status) =>
        Assert.Equal(status, OutcomeClassifier.EnhancedStatus(text));
}
