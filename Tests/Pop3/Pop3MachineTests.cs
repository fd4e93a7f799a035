using System.Collections.Immutable;
using MailActors.Configuration;
using MailActors.Policy;
using MailActors.Pop3;
using MailActors.Storage;
using static MailActors.Pop3.Pop3Effect;

namespace MailActors.Tests.Pop3;

/// <summary>The POP3 state machine with plain values: no sockets, no actors.</summary>
public sealed class Pop3MachineTests
{
    private static readonly PolicyTable Table = PolicyTable.FromSettings(TestSettings.Default);

    private static Pop3State.Authorization Start(Zone zone, ListenerKind listener = ListenerKind.Pop3, bool tls = false) =>
        Pop3State.Start(new Pop3Connection("mail.test", listener,
            new PolicyProtocol.ConnectionPolicy(zone, listener, Table.For(zone, listener)), tls,
            StlsOffered: listener == ListenerKind.Pop3, ApopTimestamp: listener == ListenerKind.Apop ? "<1.2@mail.test>" : null, Pop3sPort: 995));

    private static string Replies(Pop3Step step) => string.Concat(step.Effects.OfType<Reply>().Select(r => r.Text));

    private static Pop3State.Transaction LoggedIn(params long[] sizes)
    {
        var messages = sizes.Select((size, i) => new StoredMessageInfo(100 + i, $"uid{i}", size)).ToList();
        var step = Pop3Machine.LoginSucceeded(Start(Zone.Inside), "alice", Maildrop.Of(messages));
        return (Pop3State.Transaction)step.State;
    }

    [Fact]
    public void The_greeting_carries_a_timestamp_only_on_the_apop_listener()
    {
        Assert.Equal("+OK mail.test POP3 ready\r\n", Replies(Pop3Machine.Greet(Start(Zone.Inside))));
        Assert.Equal("+OK mail.test POP3 ready <1.2@mail.test>\r\n", Replies(Pop3Machine.Greet(Start(Zone.Inside, ListenerKind.Apop))));
    }

    [Fact]
    public void User_then_pass_asks_for_a_login_with_the_rule_that_allowed_it()
    {
        var user = Pop3Machine.Handle(Start(Zone.Inside), "USER alice");
        Assert.StartsWith("+OK", Replies(user));
        var pass = Pop3Machine.Handle(user.State, "PASS secret with spaces");
        var login = Assert.IsType<Login>(Assert.Single(pass.Effects));
        Assert.Equal(new Login(Mechanism.UserPass, "alice", "secret with spaces", "campus-pop3-userpass"), login);
    }

    [Fact]
    public void Outside_user_in_clear_text_is_refused_before_any_password_is_sent()
    {
        var step = Pop3Machine.Handle(Start(Zone.Outside), "user alice");
        Assert.StartsWith("-ERR [AUTH] clear-text login from outside", Replies(step));
        Assert.Contains("port 995", Replies(step));
        Assert.Contains("port 11110", Replies(step));
        Assert.StartsWith("-ERR send USER first", Replies(Pop3Machine.Handle(step.State, "PASS x")));
        var audited = Assert.Single(step.Effects.OfType<PolicyRefused>()); // docs/spec.md §8: the refusal is an audited fact
        Assert.Equal((Mechanism.UserPass, "alice"), (audited.Mechanism, audited.Name));
        Assert.False(string.IsNullOrEmpty(audited.Rule));
        Assert.Empty(Pop3Machine.Handle(Start(Zone.Inside), "user alice").Effects.OfType<PolicyRefused>());
    }

    [Fact]
    public void Capa_lists_user_only_where_user_pass_is_allowed_and_stls_only_before_tls()
    {
        var outside = Replies(Pop3Machine.Handle(Start(Zone.Outside), "CAPA"));
        Assert.DoesNotContain("\r\nUSER\r\n", outside);
        Assert.Contains("\r\nSTLS\r\n", outside);
        var afterTls = Replies(Pop3Machine.Handle(Start(Zone.Outside, tls: true), "CAPA"));
        Assert.Contains("\r\nUSER\r\n", afterTls);
        Assert.DoesNotContain("STLS", afterTls);
        Assert.EndsWith("\r\n.\r\n", afterTls);
    }

    [Fact]
    public void Stls_starts_tls_and_forgets_the_user_given_before()
    {
        var user = Pop3Machine.Handle(Start(Zone.Inside), "USER alice");
        var stls = Pop3Machine.Handle(user.State, "STLS");
        Assert.IsType<StartTls>(Assert.Single(stls.Effects));
        var fresh = Pop3Machine.TlsStarted((Pop3State.Authorization)stls.State);
        var state = Assert.IsType<Pop3State.Authorization>(fresh.State);
        Assert.Null(state.User);
        Assert.True(state.Connection.Tls);
        Assert.StartsWith("-ERR TLS is already active", Replies(Pop3Machine.Handle(state, "STLS")));
    }

    [Fact]
    public void Stls_is_not_offered_on_the_apop_listener()
    {
        Assert.StartsWith("-ERR STLS is not offered on this port; use POP3 over TLS on port 995",
            Replies(Pop3Machine.Handle(Start(Zone.Inside, ListenerKind.Apop), "STLS")));
    }

    [Fact]
    public void Apop_digest_is_passed_on_once_per_challenge()
    {
        var first = Pop3Machine.Handle(Start(Zone.Outside, ListenerKind.Apop), "APOP alice C4C9334BAC560ECC979E58001B3E22FB");
        Assert.Equal(new Login(Mechanism.Apop, "alice", "c4c9334bac560ecc979e58001b3e22fb", "apop-listener-apop"), Assert.Single(first.Effects));
        var failed = Pop3Machine.LoginFailed((Pop3State.Authorization)first.State, Pop3Reply.AuthFailed);
        Assert.Contains("reconnect", Replies(Pop3Machine.Handle(failed.State, "APOP alice c4c9334bac560ecc979e58001b3e22fb")));
    }

    [Fact]
    public void Stat_list_and_uidl_skip_deleted_messages()
    {
        var s = LoggedIn(10, 20, 30);
        var dele = Pop3Machine.Handle(s, "DELE 2");
        Assert.Equal("+OK message 2 deleted\r\n", Replies(dele));
        Assert.Equal("+OK 2 40\r\n", Replies(Pop3Machine.Handle(dele.State, "STAT")));
        Assert.Equal("+OK 2 messages (40 octets)\r\n1 10\r\n3 30\r\n.\r\n", Replies(Pop3Machine.Handle(dele.State, "LIST")));
        Assert.Equal("+OK unique-id listing follows\r\n1 uid0\r\n3 uid2\r\n.\r\n", Replies(Pop3Machine.Handle(dele.State, "UIDL")));
        Assert.StartsWith("-ERR no such message", Replies(Pop3Machine.Handle(dele.State, "LIST 2")));
        Assert.StartsWith("-ERR message 2 already deleted", Replies(Pop3Machine.Handle(dele.State, "DELE 2")));
        Assert.StartsWith("-ERR no such message", Replies(Pop3Machine.Handle(dele.State, "RETR 4")));
    }

    [Fact]
    public void Quit_in_transaction_commits_exactly_the_deleted_messages()
    {
        var s = Pop3Machine.Handle(Pop3Machine.Handle(LoggedIn(1, 2, 3), "DELE 1").State, "DELE 3").State;
        var quit = Pop3Machine.Handle(s, "QUIT");
        var commit = Assert.IsType<Commit>(Assert.Single(quit.Effects));
        Assert.Equal(new long[] { 100, 102 }, commit.DeletedIds.Order());
    }

    [Fact]
    public void Retr_and_top_ask_for_the_message()
    {
        var s = LoggedIn(10);
        Assert.Equal(new SendMessage(s.Maildrop[1], null), Assert.Single(Pop3Machine.Handle(s, "RETR 1").Effects));
        Assert.Equal(new SendMessage(s.Maildrop[1], 0), Assert.Single(Pop3Machine.Handle(s, "TOP 1 0").Effects));
    }

    [Theory]
    [InlineData("RETR")]
    [InlineData("RETR x")]
    [InlineData("RETR 0")]
    [InlineData("RETR -1")]
    [InlineData("TOP 1")]
    [InlineData("DELE 99999999999")]
    [InlineData("STAT now")]
    public void Malformed_arguments_get_an_error(string line) =>
        Assert.StartsWith("-ERR", Replies(Pop3Machine.Handle(LoggedIn(1), line)));

    [Fact]
    public void Ten_bad_commands_in_a_row_close_the_session_but_a_good_one_resets_the_count()
    {
        Pop3State s = Start(Zone.Inside);
        for (var i = 0; i < 9; i++) s = Pop3Machine.Handle(s, "NONSENSE").State;
        s = Pop3Machine.Handle(s, "NOOP").State; // NOOP is not valid in AUTHORIZATION: still bad
        Assert.IsType<Pop3State.Closed>(s);

        Pop3State t = Start(Zone.Inside);
        for (var i = 0; i < 9; i++) t = Pop3Machine.Handle(t, "NONSENSE").State;
        t = Pop3Machine.Handle(t, "CAPA").State;
        t = Pop3Machine.Handle(t, "NONSENSE").State;
        Assert.IsType<Pop3State.Authorization>(t);
    }

    [Fact]
    public void Unknown_verbs_are_echoed_only_as_printable_text()
    {
        Assert.Equal("-ERR unknown command (unprintable)\r\n", Replies(Pop3Machine.Handle(Start(Zone.Inside), "\u0001\u0002")));
    }
}

internal static class TestSettings
{
    public static MailActorsSettings Default => MailActors.Host.Configuration.ConfigLoader.Load([]).Settings;

    public static MailActorsSettings With(string hocon) => MailActors.Host.Configuration.ConfigLoader.Load([], null, hocon).Settings;
}
