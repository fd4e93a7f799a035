using System.Net;
using MailActors.Aliases;
using MailActors.Authentication;
using MailActors.Grants;
using MailActors.Policy;
using MailActors.Sessions;
using MailActors.Smtp;
using MailActors.Tests.Pop3;
using MailActors.Tests.Support;
using static MailActors.Smtp.SmtpEffect;

namespace MailActors.Tests.Smtp;

/// <summary>The SMTP state machine with plain values: no sockets, no actors.</summary>
public sealed class SmtpMachineTests
{
    private static readonly PolicyTable Table = PolicyTable.FromSettings(TestSettings.Default);
    private static readonly DateTime Now = new(2026, 11, 28, 10, 0, 0, DateTimeKind.Utc);

    private static SmtpState Start(Zone zone, ListenerKind listener = ListenerKind.Smtp, bool tls = false, bool bindSender = false) =>
        SmtpState.Start(new SmtpConnection("mail.test", listener, new PolicyProtocol.ConnectionPolicy(zone, listener, Table.For(zone, listener)),
            IPAddress.Parse("198.51.100.7"), tls, StartTlsOffered: true, ["example.test"], 1000, 3, bindSender));

    private static string Replies(SmtpStep step) => string.Concat(step.Effects.OfType<Reply>().Select(r => r.Text));

    private static SmtpStep Run(SmtpState state, params string[] lines)
    {
        var step = new SmtpStep(state);
        foreach (var line in lines) step = SmtpMachine.Handle(step.State, line);
        return step;
    }

    private static Grant GrantOf(string account, DateTime expires) =>
        new("198.51.100.7", "198.51.100.7", account, "pop3s", "userpass", "node", expires.AddMinutes(-5), expires);

    [Fact]
    public void Ehlo_offers_starttls_before_tls_and_auth_only_after_it()
    {
        var clear = Replies(Run(Start(Zone.Outside), "EHLO client.test"));
        Assert.Contains("250-PIPELINING", clear);
        Assert.Contains("250-SIZE 1000", clear);
        Assert.Contains("8BITMIME", clear);
        Assert.Contains("ENHANCEDSTATUSCODES", clear);
        Assert.Contains("STARTTLS", clear);
        Assert.DoesNotContain("AUTH", clear);
        var tls = Replies(Run(Start(Zone.Outside, tls: true), "EHLO client.test"));
        Assert.Contains("250 AUTH PLAIN LOGIN", tls);
        Assert.DoesNotContain("STARTTLS", tls);
    }

    [Theory]
    [InlineData("503 5.5.1", "MAIL FROM:<a@example.test>")]
    [InlineData("503 5.5.1", "EHLO c", "RCPT TO:<alice@example.test>")]
    [InlineData("503 5.5.1", "EHLO c", "DATA")]
    [InlineData("554 5.5.1", "EHLO c", "MAIL FROM:<a@example.test>", "DATA")]
    [InlineData("552 5.3.4", "EHLO c", "MAIL FROM:<a@example.test> SIZE=1001")]
    [InlineData("500 5.5.2", "FOO")]
    [InlineData("252", "VRFY alice")]
    [InlineData("502", "EXPN list")]
    [InlineData("501 5.1.3", "EHLO c", "MAIL FROM:<>", "RCPT TO:<no-at-sign>")]
    [InlineData("555 5.5.4", "EHLO c", "MAIL FROM:<a@example.test> FOO=1")]
    public void Commands_out_of_order_or_malformed_get_their_codes(string code, params string[] lines) =>
        Assert.StartsWith(code, Replies(SmtpMachine.Handle(Run(Start(Zone.Inside), lines[..^1]).State, lines[^1])));

    [Fact]
    public void A_local_recipient_is_looked_up_and_an_unknown_one_refused_with_550()
    {
        var step = Run(Start(Zone.Outside), "EHLO c", "MAIL FROM:<x@far.test>", "RCPT TO:<Alice@EXAMPLE.test>");
        var find = Assert.IsType<FindRecipient>(Assert.Single(step.Effects));
        Assert.Equal("alice", find.Account);
        Assert.StartsWith("250 2.1.5", Replies(SmtpMachine.RecipientChecked(step.State, find, new RecipientResolution.Deliver(["alice"], []))));
        Assert.StartsWith("550 5.1.1", Replies(SmtpMachine.RecipientChecked(step.State, find, new RecipientResolution.Unknown())));
        Assert.StartsWith("451 4.3.0", Replies(SmtpMachine.RecipientChecked(step.State, find, new RecipientResolution.Unavailable())));
        Assert.StartsWith("452 4.2.2 <Alice@example.test>", Replies(SmtpMachine.RecipientChecked(step.State, find, new RecipientResolution.Full("alice"))));
    }

    [Fact]
    public void An_outside_client_without_a_grant_reaches_an_alias_remote_target_but_not_the_remote_address_itself()
    {
        var step = Run(Start(Zone.Outside), "EHLO c", "MAIL FROM:<x@far.test>", "RCPT TO:<team@example.test>");
        var find = Assert.IsType<FindRecipient>(Assert.Single(step.Effects));
        step = SmtpMachine.RecipientChecked(step.State, find, new RecipientResolution.Deliver(["alice", "bob"], ["carol@remote.test"]));
        Assert.StartsWith("250 2.1.5", Replies(step));

        var direct = SmtpMachine.Handle(step.State, "RCPT TO:<carol@remote.test>");
        Assert.IsType<CheckGrant>(Assert.Single(direct.Effects)); // the forward opened nothing: a remote RCPT still needs a permit
        var refused = SmtpMachine.GrantChecked(direct.State, (CheckGrant)direct.Effects[0], null, failed: false, Now);
        Assert.StartsWith("554 5.7.1", Replies(refused));

        var envelope = Assert.IsType<SmtpState.InTransaction>(refused.State).Envelope;
        Assert.Empty(envelope.Relayed);
        var message = MessageComposer.Compose(refused.State, envelope, "Subject: s\r\n\r\nhi\r\n"u8.ToArray(), "Q1", DateTimeOffset.UnixEpoch);
        Assert.Equal(["alice", "bob"], message.LocalAccounts);
        Assert.Equal(["carol@remote.test"], message.RelayRecipients);
        Assert.Equal("x@far.test", message.EnvelopeFrom); // forwarded keeping the original envelope sender
        Assert.Null(message.RelayAccount);
    }

    [Fact]
    public void A_mailbox_that_fills_up_between_rcpt_and_commit_gets_452_after_data()
    {
        var step = Run(Start(Zone.Inside), "EHLO c");
        Assert.StartsWith("452 4.2.2 <alice>", Replies(SmtpMachine.Stored(step.State, null, "alice")));
        Assert.StartsWith("451 4.3.0", Replies(SmtpMachine.Stored(step.State, null)));
    }

    [Fact]
    public void A_disabled_recipient_is_refused_with_550_5_2_1_and_a_directory_users_mail_goes_to_their_mailbox()
    {
        var step = Run(Start(Zone.Outside), "EHLO c", "MAIL FROM:<x@far.test>", "RCPT TO:<a.smith@example.test>");
        var find = Assert.IsType<FindRecipient>(Assert.Single(step.Effects));
        Assert.StartsWith("550 5.2.1 <a.smith@example.test>", Replies(SmtpMachine.RecipientChecked(step.State, find, new RecipientResolution.Disabled("a.smith"))));
        var added = SmtpMachine.RecipientChecked(step.State, find, new RecipientResolution.Deliver(["alice"], []));
        Assert.Equal("alice", Assert.Single(Assert.IsType<SmtpState.InTransaction>(added.State).Envelope.Recipients).LocalAccount);
    }

    [Theory]
    [InlineData(Zone.Inside)]
    [InlineData(Zone.Dialup)]
    public void Campus_relays_without_asking_anyone(Zone zone)
    {
        var step = Run(Start(zone), "EHLO c", "MAIL FROM:<a@example.test>", "RCPT TO:<b@remote.test>");
        Assert.StartsWith("250 2.1.5", Replies(step));
        Assert.Equal("campus-smtp-relay", Assert.IsType<SmtpState.InTransaction>(step.State).Envelope.Recipients[0].Relay!.Rule);
    }

    [Fact]
    public void Outside_relay_asks_the_ledger_and_is_honoured_only_before_expiry()
    {
        var step = Run(Start(Zone.Outside), "EHLO c", "MAIL FROM:<a@example.test>", "RCPT TO:<b@remote.test>");
        var check = Assert.IsType<CheckGrant>(Assert.Single(step.Effects));
        var expires = Now.AddMinutes(1);
        var granted = SmtpMachine.GrantChecked(step.State, check, GrantOf("alice", expires), false, expires.AddTicks(-1));
        Assert.StartsWith("250 2.1.5", Replies(granted));
        Assert.Equal("alice", Assert.IsType<SmtpState.InTransaction>(granted.State).Envelope.Recipients[0].Relay!.Account);
        var late = Replies(SmtpMachine.GrantChecked(step.State, check, GrantOf("alice", expires), false, expires));
        Assert.StartsWith("554 5.7.1 <b@remote.test>", late);
        Assert.Contains("POP3", late);
        Assert.StartsWith("554 5.7.1", Replies(SmtpMachine.GrantChecked(step.State, check, null, false, Now)));
        Assert.StartsWith("451 4.7.0", Replies(SmtpMachine.GrantChecked(step.State, check, null, true, Now))); // fail closed
    }

    [Fact]
    public void Every_relay_refusal_is_handed_to_the_audit_journal_and_nothing_else_is()
    {
        var step = Run(Start(Zone.Outside), "EHLO c", "MAIL FROM:<a@example.test>", "RCPT TO:<b@remote.test>");
        var check = (CheckGrant)step.Effects[0];
        var refused = Assert.Single(SmtpMachine.GrantChecked(step.State, check, null, false, Now).Effects.OfType<RelayRefused>());
        Assert.Equal(("outside-smtp-relay-refused", "a@example.test", "b@remote.test"), (refused.Rule, refused.Sender, refused.Recipient!.ToString()));
        Assert.Empty(SmtpMachine.GrantChecked(step.State, check, GrantOf("alice", Now.AddMinutes(1)), false, Now).Effects.OfType<RelayRefused>());
        Assert.Empty(SmtpMachine.GrantChecked(step.State, check, null, true, Now).Effects.OfType<RelayRefused>()); // a fault, not a refusal

        var submission = Run(Start(Zone.Outside, ListenerKind.Submission), "EHLO c", "MAIL FROM:<alice@example.test>");
        var atMail = Assert.Single(SmtpMachine.GrantChecked(submission.State, (CheckGrant)submission.Effects[0], null, false, Now)
            .Effects.OfType<RelayRefused>());
        Assert.Null(atMail.Recipient);

        var bound = Run(Start(Zone.Outside, bindSender: true), "EHLO c", "MAIL FROM:<bob@example.test>", "RCPT TO:<x@remote.test>");
        var notYours = Assert.Single(SmtpMachine.GrantChecked(bound.State, (CheckGrant)bound.Effects[0], GrantOf("alice", Now.AddMinutes(1)), false, Now)
            .Effects.OfType<RelayRefused>());
        Assert.Contains("bind-sender", notYours.Reason);
    }

    [Fact]
    public void Outside_submission_needs_a_grant_at_mail()
    {
        var step = Run(Start(Zone.Outside, ListenerKind.Submission), "EHLO c", "MAIL FROM:<alice@example.test>");
        var check = Assert.IsType<CheckGrant>(Assert.Single(step.Effects));
        Assert.Null(check.Recipient);
        Assert.StartsWith("530 5.7.0", Replies(SmtpMachine.GrantChecked(step.State, check, null, false, Now)));
        Assert.StartsWith("250 2.1.0", Replies(SmtpMachine.GrantChecked(step.State, check, GrantOf("alice", Now.AddMinutes(1)), false, Now)));
    }

    [Fact]
    public void Bind_sender_lets_a_grant_send_only_as_its_account()
    {
        var step = Run(Start(Zone.Outside, bindSender: true), "EHLO c", "MAIL FROM:<bob@example.test>", "RCPT TO:<x@remote.test>");
        var check = (CheckGrant)step.Effects[0];
        Assert.StartsWith("553 5.7.1", Replies(SmtpMachine.GrantChecked(step.State, check, GrantOf("alice", Now.AddMinutes(1)), false, Now)));
    }

    [Theory]
    [InlineData("<@example.test:x@remote.test>")]
    [InlineData("<x@remote.test.>")]
    public void Routing_tricks_keep_the_real_domain_so_a_remote_recipient_stays_remote(string path)
    {
        var step = Run(Start(Zone.Outside), "EHLO c", "MAIL FROM:<a@example.test>", $"RCPT TO:{path}");
        Assert.Equal("remote.test", Assert.IsType<CheckGrant>(Assert.Single(step.Effects)).Recipient!.Domain);
    }

    [Theory]
    [InlineData("<x%remote.test@example.test>")]
    [InlineData("<\"x@remote.test\"@example.test>")]
    [InlineData("<remote.test!x@example.test>")]
    [InlineData("<x@remote.test@example.test>")]
    public void Tricks_in_the_local_part_are_unknown_local_users_never_relays(string path) =>
        Assert.StartsWith("550 5.1.1", Replies(Run(Start(Zone.Outside), "EHLO c", "MAIL FROM:<a@example.test>", $"RCPT TO:{path}")));

    [Fact]
    public void Recipients_over_the_limit_get_452()
    {
        var step = Run(Start(Zone.Inside), "EHLO c", "MAIL FROM:<a@example.test>", "RCPT TO:<1@r.test>", "RCPT TO:<2@r.test>", "RCPT TO:<3@r.test>");
        Assert.StartsWith("452 4.5.3", Replies(SmtpMachine.Handle(step.State, "RCPT TO:<4@r.test>")));
    }

    [Fact]
    public void Starttls_resets_the_session()
    {
        var step = Run(Start(Zone.Outside), "EHLO c", "MAIL FROM:<a@example.test>", "STARTTLS");
        Assert.Equal("220 2.0.0 ready to start TLS\r\n", Assert.IsType<SmtpEffect.StartTls>(Assert.Single(step.Effects)).ReadyReply);
        var after = SmtpMachine.TlsStarted(step.State).State;
        Assert.True(after.Connection.Tls);
        Assert.Null(after.Helo);
        Assert.IsType<SmtpState.Connected>(after); // no transaction, no HELO
        Assert.StartsWith("503", Replies(SmtpMachine.Handle(after, "STARTTLS")));
    }

    [Fact]
    public void Auth_plain_and_login_lead_to_a_credential_check_only_over_tls()
    {
        Assert.StartsWith("538 5.7.11", Replies(Run(Start(Zone.Outside), "EHLO c", "AUTH PLAIN AGFsaWNlAHB3")));
        var plain = Run(Start(Zone.Outside, tls: true), "EHLO c", "AUTH PLAIN AGFsaWNlAHB3"); // \0alice\0pw
        Assert.Equal(new Authenticate("alice", "pw"), Assert.Single(plain.Effects));
        var login = Run(Start(Zone.Outside, tls: true), "EHLO c", "AUTH LOGIN", "YWxpY2U=");
        Assert.Equal("334 UGFzc3dvcmQ6\r\n", Replies(login));
        Assert.Equal(new Authenticate("alice", "pw"), Assert.Single(SmtpMachine.Handle(login.State, "cHc=").Effects));
        Assert.StartsWith("501", Replies(Run(Start(Zone.Outside, tls: true), "EHLO c", "AUTH LOGIN", "*")));
        var succeeded = SmtpMachine.Authenticated(plain.State, new LoginOutcome.Succeeded("alice"));
        Assert.StartsWith("235", Replies(succeeded));
        Assert.Equal("alice", succeeded.State.AuthAccount);
        Assert.StartsWith("535 5.7.8", Replies(SmtpMachine.Authenticated(plain.State, LoginOutcome.WrongCredentials.Instance)));
        Assert.StartsWith("535 5.7.8 account disabled", Replies(SmtpMachine.Authenticated(plain.State, new LoginOutcome.Disabled("alice"))));
        Assert.StartsWith("454 4.7.0", Replies(SmtpMachine.Authenticated(plain.State, LoginOutcome.Blocked.Instance)));
        Assert.StartsWith("454 4.7.0", Replies(SmtpMachine.Authenticated(plain.State, new LoginOutcome.Unavailable("down"))));
    }

    [Fact]
    public void Twenty_errors_close_the_session_with_421()
    {
        var step = Run(Start(Zone.Outside), Enumerable.Repeat("BOGUS", SmtpMachine.MaxErrors).ToArray());
        Assert.StartsWith("421 4.7.0", Replies(step));
        Assert.Contains(step.Effects, e => e is Close);
    }
}

public sealed class DataReaderTests
{
    private static DataEnd? Feed(DataReader reader, params ConnectionEvents.Line[] lines)
    {
        DataEnd? end = null;
        foreach (var line in lines) end = reader.Add(line) ?? end;
        return end;
    }

    private static ConnectionEvents.Line L(string text) => new(text);
    private static ConnectionEvents.Line Bare(string text) => new(text, BareLineFeed: true);

    [Fact]
    public void Dot_stuffing_is_undone_and_the_data_ends_at_crlf_dot_crlf()
    {
        var end = Feed(new DataReader(1000, 50, MessageSpool.MemoryOnly), L("Subject: x"), L(""), L("..leading dot"), L("."))!;
        Assert.Equal(DataProblem.None, end.Problem);
        Assert.Equal("Subject: x\r\n\r\n.leading dot\r\n", System.Text.Encoding.Latin1.GetString(end.Body!.ToArray()));
    }

    [Fact]
    public void A_dot_line_after_a_bare_lf_or_ending_in_one_does_not_end_the_data()
    {
        var reader = new DataReader(1000, 50, MessageSpool.MemoryOnly);
        Assert.Null(Feed(reader, Bare("text"), L(".")));        // "text\n.\r\n"
        Assert.Null(Feed(reader, Bare(".")));                   // ".\n"
        Assert.Null(Feed(reader, L("a\r.\rb")));                // bare CRs stay inside the line
        var end = Feed(reader, L("MAIL FROM:<evil@example.test>"), L("."))!;
        Assert.Equal(DataProblem.BareLineEnd, end.Problem);
        Assert.Null(end.Body);
    }

    [Fact]
    public void Lines_over_998_octets_and_messages_over_the_limit_are_flagged()
    {
        Assert.Equal(DataProblem.LineTooLong, Feed(new DataReader(10_000, 50, MessageSpool.MemoryOnly), L(new string('x', 999)), L("."))!.Problem);
        Assert.Equal(DataProblem.LineTooLong, Feed(new DataReader(10_000, 50, MessageSpool.MemoryOnly), new ConnectionEvents.Line("", TooLong: true), L("."))!.Problem);
        Assert.Equal(DataProblem.TooBig, Feed(new DataReader(100, 50, MessageSpool.MemoryOnly), L(new string('x', 60)), L(new string('x', 60)), L("."))!.Problem);
    }
}

public sealed class MessageComposerTests
{
    private static string ReceivedFor(string client, string helo)
    {
        var table = PolicyTable.FromSettings(TestSettings.Default);
        var connection = new SmtpConnection("mail.test", ListenerKind.Smtp,
            new PolicyProtocol.ConnectionPolicy(Zone.Inside, ListenerKind.Smtp, table.For(Zone.Inside, ListenerKind.Smtp)),
            IPAddress.Parse(client), false, true, ["example.test"], 1000, 3, false);
        var state = new SmtpState.Greeted(new SmtpSession(connection, Helo: helo));
        var envelope = new Envelope("a@example.test",
            [new Recipient(SmtpAddress.Parse("alice@example.test")!, "alice", null)], null);
        var message = MessageComposer.Compose(state, envelope, "Subject: x\r\n\r\nbody\r\n"u8.ToArray(), "Q1", DateTimeOffset.UnixEpoch);
        return System.Text.Encoding.Latin1.GetString(message.LocalCopy).Split("\r\n")[1];
    }

    [Fact]
    public void Received_names_an_ipv6_client_as_an_address_literal_and_an_empty_helo_as_unknown()
    {
        Assert.Equal("Received: from client.test ([IPv6:2001:db8::5])", ReceivedFor("2001:db8::5", "client.test"));
        Assert.Equal("Received: from client.test ([192.0.2.7])", ReceivedFor("192.0.2.7", "client.test"));
        Assert.Equal("Received: from unknown ([192.0.2.7])", ReceivedFor("192.0.2.7", "()"));
    }

    [Fact]
    public void A_message_without_a_header_section_has_no_headers_even_if_its_body_looks_like_them()
    {
        var body = System.Text.Encoding.Latin1.GetBytes("\r\nDate: in the body\r\nMessage-ID: <body@x>\r\n");
        Assert.Null(MessageComposer.FindHeader(body, "Date"));
        Assert.Null(MessageComposer.FindHeader(body, "Message-ID"));
        Assert.Equal("<h@x>", MessageComposer.FindHeader(System.Text.Encoding.Latin1.GetBytes("Message-ID: <h@x>\r\n\r\nbody\r\n"), "Message-ID"));
    }

    [Fact]
    public void A_header_is_found_whatever_its_case_unfolded_and_not_by_a_longer_name_that_starts_like_it()
    {
        var message = System.Text.Encoding.Latin1.GetBytes(
            "Message-IDs: <not@x>\r\nmessage-id:\r\n  <folded@x>\r\nSubject: caf\u00e9\r\n\r\nMessage-ID: <body@x>\r\n");
        Assert.Equal("<folded@x>", MessageComposer.FindHeader(message, "Message-ID"));
        Assert.Equal("caf\u00e9", MessageComposer.FindHeader(message, "subject"));
        Assert.Null(MessageComposer.FindHeader(message, "Date"));
        Assert.Equal("<last@x>", MessageComposer.FindHeader(System.Text.Encoding.Latin1.GetBytes("Message-ID: <last@x>"), "Message-ID"));
    }
}
