using System.Net;
using System.Text;
using CsCheck;
using DotNetty.Buffers;
using DotNetty.Transport.Channels.Embedded;
using MailActors.Aliases;
using MailActors.Authentication;
using MailActors.Grants;
using MailActors.Policy;
using MailActors.Pop3;
using MailActors.Sessions;
using MailActors.Smtp;
using MailActors.Storage;
using MailActors.Tests.Pop3;
using MailActors.Transport.Listeners;
using MailActors.Transport.Proxy;

namespace MailActors.Tests.Hardening;

/// <summary>
/// Property-based fuzzing (CsCheck) of everything that reads client bytes (docs/spec.md §14): no exception escapes,
/// every command line gets a reply or a close or an effect that will answer it, and the relay invariants hold: no
/// recipient outside the local domains is accepted from outside without a grant valid now or AUTH.
/// A few seconds per property in CI; a longer run: <c>MAILACTORS_FUZZ_ITERATIONS=200000 dotnet test Tests --filter FullyQualifiedName~FuzzTests</c>.
/// </summary>
public sealed class FuzzTests
{
    private static readonly long Iterations =
        long.TryParse(Environment.GetEnvironmentVariable("MAILACTORS_FUZZ_ITERATIONS"), out var n) && n > 0 ? n : 2_000;

    private static readonly PolicyTable Table = PolicyTable.FromSettings(TestSettings.Default);
    private static readonly DateTime Now = new(2026, 12, 5, 12, 0, 0, DateTimeKind.Utc);

    /// <summary>Lines a client might send: well-formed commands with hostile arguments, and plain garbage.</summary>
    private static readonly Gen<string> Word = Gen.OneOf(
        Gen.OneOf("alice", "x@remote.example", "alice@example.test", "\"a\\\"b@c\"@example.test", "@a,@b:x@remote.example",
            "x%remote.example@example.test", "x@[127.0.0.1]", "x@[192.0.2.1]", "postmaster", "", "<>", "=", "*", "AHVzZXIAcGFzcw==",
            "SIZE=99999999999999999999", "BODY=8BITMIME", "1", "0", "-1", "99999999999"),
        Gen.String[Gen.Char[(char)0, (char)255], 0, 40]);

    private static readonly Gen<string> SmtpLine = Gen.OneOf(
        Gen.Select(Gen.OneOf("EHLO ", "HELO ", "MAIL FROM:<", "RCPT TO:<", "MAIL FROM: <", "RCPT TO:", "AUTH PLAIN ", "AUTH LOGIN ",
            "DATA", "RSET", "NOOP", "QUIT", "VRFY ", "EXPN ", "HELP", "STARTTLS", "."), Word, Gen.OneOf(">", "", "> SIZE=10", ">>")).Select(t => t.Item1 + t.Item2 + t.Item3),
        Gen.String[Gen.Char[(char)0, (char)255], 0, 120]);

    private static readonly Gen<string> Pop3Line = Gen.OneOf(
        Gen.Select(Gen.OneOf("USER ", "PASS ", "APOP ", "STLS", "CAPA", "STAT", "LIST ", "UIDL ", "RETR ", "DELE ", "TOP ", "NOOP",
            "RSET", "QUIT", "AUTH ", "LIST", "TOP 1 "), Word).Select(t => t.Item1 + t.Item2),
        Gen.String[Gen.Char[(char)0, (char)255], 0, 120]);

    private static readonly Gen<ConnectionEvents.Line> Line = Gen.Select(SmtpLine, Gen.Int[0, 20])
        .Select(t => new ConnectionEvents.Line(t.Item1, TooLong: t.Item2 == 0, BareLineFeed: t.Item2 == 1));

    private static SmtpState SmtpStart(Zone zone, ListenerKind listener, bool tls) =>
        SmtpState.Start(new SmtpConnection("mail.test", listener, new PolicyProtocol.ConnectionPolicy(zone, listener, Table.For(zone, listener)),
            IPAddress.Parse("198.51.100.7"), tls, StartTlsOffered: true, ["example.test"], 10_000, 5, false));

    /// <summary>A grant as the ledger might answer: none, one that expired exactly now or before, or one still valid.</summary>
    private static Grant? GrantFor(int pick) => pick switch
    {
        0 => null,
        1 => new Grant("198.51.100.7", "198.51.100.7", "alice", "pop3s", "userpass", "n", Now.AddMinutes(-5), Now),
        2 => new Grant("198.51.100.7", "198.51.100.7", "alice", "pop3s", "userpass", "n", Now.AddMinutes(-9), Now.AddMinutes(-4)),
        _ => new Grant("198.51.100.7", "198.51.100.7", "alice", "pop3s", "userpass", "n", Now.AddMinutes(-1), Now.AddMinutes(4)),
    };

    [Fact]
    public void The_smtp_parser_never_throws_and_never_lets_a_control_character_into_an_address()
    {
        SmtpLine.Sample(line =>
        {
            var command = SmtpParser.Parse(line);
            var address = command switch
            {
                SmtpCommand.Mail m => m.Sender,
                SmtpCommand.Rcpt r => r.Recipient.ToString(),
                _ => "",
            };
            Assert.False(SmtpAddress.HasControlCharacter(address), $"{line} gave {address}");
            if (command is SmtpCommand.Helo h) Assert.Matches("^[!-~]{1,255}$", h.Domain);
            if (command is SmtpCommand.Ehlo e) Assert.Matches("^[!-~]{1,255}$", e.Domain);
        }, iter: Iterations);
    }

    [Fact]
    public void The_smtp_machine_answers_every_command_line_and_never_relays_from_outside_without_a_valid_grant_or_auth()
    {
        Gen.Select(Line.List[1, 40], Gen.Int[0, 3].List[40], Gen.Bool.List[40], Gen.OneOf(ListenerKind.Smtp, ListenerKind.Submission), Gen.Bool)
            .Sample(t =>
            {
                var (lines, grants, exists, listener, tls) = t;
                var state = SmtpState.Start(SmtpStart(Zone.Outside, listener, tls).Connection);
                for (var i = 0; i < lines.Count && state is not SmtpState.Closed; i++)
                {
                    var inData = state is SmtpState.InData;
                    var step = SmtpMachine.Handle(state, lines[i]);
                    var startedTls = false;
                    // Carry out the effects as the session would, with what the ledger and the store answer.
                    for (var round = 0; round < 3; round++)
                    {
                        var next = step.Effects.Select(e => e switch
                        {
                            SmtpEffect.CheckGrant check => SmtpMachine.GrantChecked(step.State, check, GrantFor(grants[i]), failed: false, Now),
                            SmtpEffect.FindRecipient find => SmtpMachine.RecipientChecked(step.State, find,
                                exists[i] ? new RecipientResolution.Deliver([find.Account], []) : new RecipientResolution.Unknown()),
                            SmtpEffect.Authenticate => SmtpMachine.Authenticated(step.State, LoginOutcome.WrongCredentials.Instance),
                            SmtpEffect.StartTls => SmtpMachine.TlsStarted(step.State),
                            SmtpEffect.Deliver => SmtpMachine.Stored(step.State, "Q1"),
                            _ => null,
                        }).FirstOrDefault(s => s is not null);
                        if (next is null) break;
                        startedTls |= step.Effects.Any(e => e is SmtpEffect.StartTls); // after TLS the client speaks first
                        if (!inData && !startedTls) Assert.NotEmpty(next.Effects); // an asked question is answered
                        step = next;
                    }
                    if (!inData && !startedTls) Assert.NotEmpty(step.Effects);
                    state = step.State;
                    var envelope = state switch { SmtpState.InTransaction x => x.Envelope, SmtpState.InData d => d.Envelope, _ => null };
                    foreach (var r in envelope?.Recipients ?? [])
                    {
                        if (r.LocalAccount is not null) { Assert.Equal("example.test", r.Address.Domain); continue; }
                        Assert.True(r.Relay?.Grant is { } g ? g.IsValidAt(Now) : state.AuthAccount is not null,
                            $"relayed {r.Address} from outside with {r.Relay}");
                    }
                }
            }, iter: Iterations / 4);
    }

    [Fact]
    public void The_pop3_parser_and_machine_answer_every_line_and_never_throw()
    {
        var messages = new[] { new StoredMessageInfo(1, "u1", 10), new StoredMessageInfo(2, "u2", 20) };
        Gen.Select(Pop3Line.List[1, 40], Gen.OneOf(ListenerKind.Pop3, ListenerKind.Pop3s, ListenerKind.Apop), Gen.OneOf(Zone.Inside, Zone.Outside), Gen.Bool)
            .Sample(t =>
            {
                var (lines, listener, zone, loggedIn) = t;
                Pop3State state = Pop3State.Start(new Pop3Connection("mail.test", listener, new PolicyProtocol.ConnectionPolicy(zone, listener,
                    Table.For(zone, listener)), listener == ListenerKind.Pop3s, listener == ListenerKind.Pop3,
                    listener == ListenerKind.Apop ? "<1.2@mail.test>" : null, 995));
                if (loggedIn) state = Pop3Machine.LoginSucceeded((Pop3State.Authorization)state, "alice", Maildrop.Of(messages)).State;
                foreach (var line in lines)
                {
                    if (state is Pop3State.Closed) break;
                    var step = Pop3Machine.Handle(state, line);
                    Assert.NotEmpty(step.Effects);
                    state = step.State;
                }
            }, iter: Iterations / 4);
    }

    [Fact]
    public void The_data_reader_never_throws_and_ends_only_at_a_crlf_dot_crlf_after_a_crlf()
    {
        Line.List[1, 60].Sample(lines =>
        {
            using var reader = new DataReader(2_000, 5, MessageSpool.MemoryOnly);
            var previousCrlf = true;
            foreach (var line in lines)
            {
                var end = reader.Add(line);
                if (end is not null)
                {
                    Assert.True(line.Text == "." && !line.BareLineFeed && previousCrlf);
                    Assert.True(end.Problem == DataProblem.None ? end.Body is not null : end.Body is null);
                    return;
                }
                previousCrlf = !line.BareLineFeed;
            }
        }, iter: Iterations);
    }

    [Fact]
    public void The_proxy_header_parser_never_throws_nor_reads_past_its_input()
    {
        var v1 = Gen.Select(Gen.OneOf("PROXY TCP4 ", "PROXY TCP6 ", "PROXY UNKNOWN", "PROXY "), Gen.String[Gen.Char[' ', '~'], 0, 80], Gen.OneOf("\r\n", "\n", ""))
            .Select(t => Encoding.ASCII.GetBytes(t.Item1 + t.Item2 + t.Item3));
        var v2 = Gen.Byte.Array[0, 80].Select(tail => (byte[])[0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, .. tail]);
        Gen.OneOf(v1, v2, Gen.Byte.Array[0, 200]).Sample(bytes =>
        {
            var result = ProxyHeaderParser.TryParse(bytes, out var source, out var consumed);
            Assert.InRange(consumed, 0, bytes.Length);
            Assert.Equal(result == ProxyParseResult.Parsed, source is not null);
        }, iter: Iterations);
    }

    [Fact]
    public void The_line_decoder_never_throws_and_never_hands_on_a_line_over_its_limit()
    {
        var chunk = Gen.OneOf(Gen.Byte.Array[0, 300], Gen.OneOf("\r\n"u8.ToArray(), "\n"u8.ToArray(), "\r"u8.ToArray(), new byte[500]));
        chunk.List[1, 20].Sample(chunks =>
        {
            var channel = new EmbeddedChannel(new MailLineDecoder(100));
            foreach (var c in chunks) channel.WriteInbound(Unpooled.WrappedBuffer(c));
            while (channel.ReadInbound<object>() is ConnectionEvents.Line line)
                Assert.True(line.Text.Length <= 100 && (!line.TooLong || line.Text.Length == 0));
            channel.Finish();
        }, iter: Iterations / 4);
    }
}
