using System.Net;
using System.Text;
using MailActors.Policy;
using MailActors.Sessions;
using MailActors.Smtp;
using MailActors.Tests.Pop3;
using static MailActors.Smtp.SmtpEffect;

namespace MailActors.Tests.Hardening;

/// <summary>docs/spec.md §14 at the pure parsers and machines: control characters, loops, hops, per-/64 keys.</summary>
public sealed class HostileInputParsingTests
{
    private static readonly PolicyTable Table = PolicyTable.FromSettings(TestSettings.Default);

    private static SmtpState Start(Zone zone) =>
        SmtpState.Start(new SmtpConnection("mail.test", ListenerKind.Smtp, new PolicyProtocol.ConnectionPolicy(zone, ListenerKind.Smtp, Table.For(zone, ListenerKind.Smtp)),
            IPAddress.Parse("198.51.100.7"), false, StartTlsOffered: true, ["example.test"], 100_000, 10, false));

    private static string Replies(SmtpStep step) => string.Concat(step.Effects.OfType<Reply>().Select(r => r.Text));

    private static SmtpStep Run(SmtpState state, params string[] lines)
    {
        var step = new SmtpStep(state);
        foreach (var line in lines) step = SmtpMachine.Handle(step.State, line);
        return step;
    }

    public static TheoryData<string> ControlCharacters => new() { "\r", "\n", "\0", "\x01", "\t", "\x1b", "\x1f", "\x7f" };

    [Theory]
    [MemberData(nameof(ControlCharacters))]
    public void A_control_character_in_the_sender_is_refused_with_501_5_1_7_quoted_or_not(string control)
    {
        foreach (var path in new[] { $"\"a{control}X-Injected: 1\"@b.example", $"a{control}b@b.example", $"a@b{control}.example", $"\"a\\{control}\"@b.example" })
            Assert.StartsWith("501 5.1.7", Replies(Run(Start(Zone.Inside), "EHLO c", $"MAIL FROM:<{path}>")));
    }

    [Theory]
    [MemberData(nameof(ControlCharacters))]
    public void A_control_character_in_a_recipient_is_refused_with_501_5_1_3_quoted_or_not(string control)
    {
        foreach (var path in new[] { $"\"al{control}ice\"@example.test", $"al{control}ice@example.test", $"x@remote{control}.example", $"@a{control}b:x@remote.example" })
            Assert.StartsWith("501 5.1.3", Replies(Run(Start(Zone.Inside), "EHLO c", "MAIL FROM:<>", $"RCPT TO:<{path}>")));
    }

    [Fact]
    public void A_quoted_local_part_without_control_characters_is_still_an_address()
    {
        Assert.StartsWith("250", Replies(Run(Start(Zone.Inside), "EHLO c", "MAIL FROM:<\"a b\"@b.example>")));
    }

    [Fact]
    public void The_helo_name_is_cleaned_before_the_state_and_the_reply_hold_it()
    {
        var step = Run(Start(Zone.Inside), "EHLO evil\r\n250 (x)\x01host");
        Assert.Equal("evil250xhost", step.State.Helo);
        Assert.DoesNotContain("\r\n250 ", Replies(step).Split("\r\n")[0]);
        Assert.Equal("unknown", Run(Start(Zone.Inside), "HELO \x01\x02()").State.Helo);
        Assert.Equal(HeloName.MaxLength, Run(Start(Zone.Inside), "HELO " + new string('h', 5000)).State.Helo!.Length);
    }

    [Theory]
    [InlineData("x@[127.0.0.1]")]
    [InlineData("x@[127.9.8.7]")]
    [InlineData("x@[127.1]")]
    [InlineData("x@[IPv6:::1]")]
    [InlineData("x@[ipv6:::ffff:127.0.0.1]")]
    [InlineData("x@[0.0.0.0]")]
    public void An_address_literal_naming_this_host_is_refused_even_from_inside(string recipient)
    {
        var step = Run(Start(Zone.Inside), "EHLO c", "MAIL FROM:<a@example.test>", $"RCPT TO:<{recipient}>");
        Assert.StartsWith("554 5.4.6", Replies(step));
        Assert.Empty(Assert.IsType<SmtpState.InTransaction>(step.State).Envelope.Recipients);
    }

    [Fact]
    public void An_address_literal_of_this_hosts_own_interfaces_is_refused_and_a_foreign_one_is_relayed_from_inside()
    {
        var own = System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .SelectMany(n => n.GetIPProperties().UnicastAddresses).Select(u => u.Address)
            .FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        if (own is not null)
            Assert.StartsWith("554 5.4.6", Replies(Run(Start(Zone.Inside), "EHLO c", "MAIL FROM:<>", $"RCPT TO:<x@[{own}]>")));
        Assert.StartsWith("250", Replies(Run(Start(Zone.Inside), "EHLO c", "MAIL FROM:<>", "RCPT TO:<x@[192.0.2.55]>")));
    }

    private static DataEnd? Feed(DataReader reader, IEnumerable<string> lines)
    {
        DataEnd? end = null;
        foreach (var line in lines) end = reader.Add(new ConnectionEvents.Line(line)) ?? end;
        return end;
    }

    private static IEnumerable<string> Message(int received, string receivedName = "Received") =>
        Enumerable.Range(0, received).SelectMany(i => new[] { $"{receivedName}: from hop{i} by hop{i + 1};", "\tSat, 5 Dec 2026 10:00:00 +0000" })
            .Concat(["Subject: loop", "", "Received: in the body does not count", "."]);

    [Fact]
    public void A_message_with_max_hops_received_headers_is_refused_and_one_fewer_is_taken()
    {
        Assert.Equal(DataProblem.TooManyHops, Feed(new DataReader(1_000_000, 50, MessageSpool.MemoryOnly), Message(50))!.Problem);
        Assert.Equal(DataProblem.TooManyHops, Feed(new DataReader(1_000_000, 50, MessageSpool.MemoryOnly), Message(120, "received  "))!.Problem);
        Assert.Equal(DataProblem.None, Feed(new DataReader(1_000_000, 50, MessageSpool.MemoryOnly), Message(49))!.Problem);
        var body = Enumerable.Repeat("Received: quoted in the body", 80).Prepend("").Prepend("Subject: x").Append(".");
        Assert.Equal(DataProblem.None, Feed(new DataReader(1_000_000, 50, MessageSpool.MemoryOnly), body)!.Problem);
    }

    [Fact]
    public void Too_many_hops_is_answered_554_5_4_6_at_the_end_of_data()
    {
        var hops = Enumerable.Range(0, 50).Select(i => $"Received: from h{i}").ToArray();
        var step = Run(Start(Zone.Inside), ["EHLO c", "MAIL FROM:<>", "RCPT TO:<x@remote.example>", "DATA", .. hops, "", "body", "."]);
        Assert.StartsWith("554 5.4.6", Replies(step));
        Assert.DoesNotContain(step.Effects, e => e is Deliver);
        Assert.IsType<SmtpState.Greeted>(step.State);
    }

    [Fact]
    public void Per_address_connection_limits_count_a_whole_ipv6_64_as_one_client()
    {
        var limiter = new ConnectionLimiter(2);
        Assert.True(limiter.TryAcquire(IPAddress.Parse("2001:db8:1:2::1")));
        Assert.True(limiter.TryAcquire(IPAddress.Parse("2001:db8:1:2:ffff::9")));
        Assert.False(limiter.TryAcquire(IPAddress.Parse("2001:db8:1:2:abcd::7")));
        Assert.True(limiter.TryAcquire(IPAddress.Parse("2001:db8:1:3::1"))); // the next /64 is another client
        limiter.Release(IPAddress.Parse("2001:db8:1:2::1"));
        Assert.True(limiter.TryAcquire(IPAddress.Parse("2001:db8:1:2::42")));
        Assert.True(limiter.TryAcquire(IPAddress.Parse("192.0.2.1")));
        Assert.True(limiter.TryAcquire(IPAddress.Parse("192.0.2.1")));
        Assert.False(limiter.TryAcquire(IPAddress.Parse("192.0.2.1")));
        Assert.True(limiter.TryAcquire(IPAddress.Parse("192.0.2.2")));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Message_data_past_the_threshold_goes_to_a_0600_spool_file_that_is_gone_when_the_transfer_ends()
    {
        var dataDir = Directory.CreateTempSubdirectory("mailactors-spool-").FullName;
        try
        {
            var spool = MessageSpool.Open(dataDir, inMemory: 1024);
            var reader = new DataReader(1_000_000, 50, spool);
            var line = new string('x', 500);
            for (var i = 0; i < 10; i++) Assert.Null(reader.Add(new ConnectionEvents.Line(line)));
            var file = Assert.Single(Directory.GetFiles(spool.Directory));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(spool.Directory));
            var end = reader.Add(new ConnectionEvents.Line("."))!;
            Assert.Equal(10 * 502, end.Body!.Length);
            Assert.Equal(string.Concat(Enumerable.Repeat(line + "\r\n", 10)), Encoding.Latin1.GetString(end.Body.ToArray()));
            Assert.Single(Directory.GetFiles(spool.Directory)); // the finished message is its receiver's until its commit
            end.Body.Dispose();
            Assert.Empty(Directory.GetFiles(spool.Directory));

            var abandoned = new DataReader(1_000_000, 50, spool);
            for (var i = 0; i < 10; i++) abandoned.Add(new ConnectionEvents.Line(line));
            Assert.Single(Directory.GetFiles(spool.Directory));
            abandoned.Dispose();
            Assert.Empty(Directory.GetFiles(spool.Directory));

            File.WriteAllText(Path.Combine(spool.Directory, "left-by-a-crash.data"), "x");
            MessageSpool.Open(dataDir, 1024);
            Assert.Empty(Directory.GetFiles(spool.Directory));
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
