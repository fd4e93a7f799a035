using MailActors.Authentication;
using MailActors.Policy;
using static MailActors.Pop3.Pop3Effect;

namespace MailActors.Pop3;

/// <summary>
/// The POP3 protocol as a pure state machine (RFC 1939, 2449, 2595): a state and a command in,
/// the next state and the effects out. No sockets, actors or storage here.
/// </summary>
public static class Pop3Machine
{
    /// <summary>Dovecot's limit: this many bad commands in a row and the session is closed.</summary>
    public const int MaxBadCommands = 10;

    public static Pop3Step Greet(Pop3State.Authorization state) =>
        new(state, new Reply(Pop3Reply.Greeting(state.Connection.Hostname, state.Connection.ApopTimestamp)));

    public static Pop3Step Handle(Pop3State state, string line) => Handle(state, Pop3Parser.Parse(line));

    public static Pop3Step Handle(Pop3State state, Pop3Command command) => state switch
    {
        Pop3State.Authorization a => Authorization(a, command),
        Pop3State.Transaction t => Transaction(t, command),
        _ => new Pop3Step(state),
    };

    public static Pop3Step LineTooLong(Pop3State state) => Bad(state, Pop3Reply.LineTooLong);

    // AUTHORIZATION (RFC 1939 §4, §7; RFC 2595 §4)
    private static Pop3Step Authorization(Pop3State.Authorization s, Pop3Command command)
    {
        var c = s.Connection;
        switch (command)
        {
            case Pop3Command.Capa:
                return Ok(s, Capabilities(s));

            case Pop3Command.User user:
            {
                var decision = c.Policy.Decide(Mechanism.UserPass, c.Tls);
                return decision.Allowed
                    ? Ok(s with { User = user.Name }, Pop3Reply.SendPass)
                    : new Pop3Step(s with { User = null }, new PolicyRefused(Mechanism.UserPass, decision.Rule, user.Name),
                        new Reply(Pop3Reply.PolicyRefused(decision.Advice)));
            }

            case Pop3Command.Pass pass:
            {
                if (s.User is null) return Bad(s, Pop3Reply.UserFirst);
                var decision = c.Policy.Decide(Mechanism.UserPass, c.Tls);
                return decision.Allowed
                    ? new Pop3Step(s with { User = null, BadCommands = 0 }, new Login(Mechanism.UserPass, s.User, pass.Password, decision.Rule))
                    : new Pop3Step(s with { User = null }, new PolicyRefused(Mechanism.UserPass, decision.Rule, s.User),
                        new Reply(Pop3Reply.PolicyRefused(decision.Advice)));
            }

            case Pop3Command.Apop apop:
            {
                var decision = c.Policy.Decide(Mechanism.Apop, c.Tls);
                if (!decision.Allowed || c.ApopTimestamp is null)
                    return new Pop3Step(s, new PolicyRefused(Mechanism.Apop, decision.Allowed ? PolicyDecision.NoRule.Rule : decision.Rule, apop.Name),
                        new Reply(Pop3Reply.PolicyRefused(decision.Allowed ? PolicyDecision.NoRule.Advice : decision.Advice)));
                if (s.ChallengeSpent) return Ok(s, Pop3Reply.ApopChallengeSpent);
                return new Pop3Step(s with { User = null, ChallengeSpent = true, BadCommands = 0 },
                    new Login(Mechanism.Apop, apop.Name, apop.Digest.ToLowerInvariant(), decision.Rule));
            }

            case Pop3Command.Stls:
                if (c.Tls) return Bad(s, Pop3Reply.AlreadyTls);
                if (!c.StlsOffered) return Bad(s, Pop3Reply.StlsNotOffered(c.Pop3sPort));
                return new Pop3Step(s with { User = null }, new StartTls(Pop3Reply.BeginTls));

            case Pop3Command.Auth:
                return Ok(s, Pop3Reply.SaslNotOffered);

            case Pop3Command.Quit:
                return new Pop3Step(new Pop3State.Closed(c), new Reply(Pop3Reply.Bye), new Close("quit before login"));

            default:
                return Common(s, command);
        }
    }

    /// <summary>After STLS: a fresh AUTHORIZATION state over TLS; nothing from before carries over.</summary>
    public static Pop3Step TlsStarted(Pop3State.Authorization s) =>
        new(Pop3State.Start(s.Connection with { Tls = true }) with { ChallengeSpent = s.ChallengeSpent });

    public static Pop3Step LoginSucceeded(Pop3State.Authorization s, string account, Maildrop maildrop) =>
        Ok(new Pop3State.Transaction(s.Connection, account, maildrop), Pop3Reply.LoggedIn(maildrop));

    /// <summary>The outcome of <see cref="Login"/>: TRANSACTION with the locked <paramref name="maildrop"/>, or the refusal.</summary>
    public static Pop3Step LoginEnded(Pop3State.Authorization s, LoginOutcome outcome, Maildrop? maildrop) => outcome switch
    {
        LoginOutcome.Succeeded ok when maildrop is not null => LoginSucceeded(s, ok.Account, maildrop),
        LoginOutcome.WrongCredentials => LoginFailed(s, Pop3Reply.AuthFailed),
        LoginOutcome.Blocked => LoginFailed(s, Pop3Reply.LoginDelay),
        LoginOutcome.Disabled => LoginFailed(s, Pop3Reply.AccountDisabled),
        LoginOutcome.InUse => LoginFailed(s, Pop3Reply.InUse),
        _ => LoginFailed(s, Pop3Reply.TryLater),
    };

    /// <summary>A message that was listed could not be read: the session goes on.</summary>
    public static Pop3Step MessageUnreadable(Pop3State s) => new(s, new Reply(Pop3Reply.MessageGone));

    /// <summary>Back to AUTHORIZATION (RFC 1939 §7: the client starts again with USER).</summary>
    public static Pop3Step LoginFailed(Pop3State.Authorization s, string reply) => Ok(s with { User = null }, reply);

    // TRANSACTION (RFC 1939 §5)
    private static Pop3Step Transaction(Pop3State.Transaction s, Pop3Command command)
    {
        var m = s.Maildrop;
        switch (command)
        {
            case Pop3Command.Capa:
                return Ok(s, Capabilities(s));
            case Pop3Command.Stat:
                return Ok(s, Pop3Reply.Stat(m));
            case Pop3Command.List { Number: null }:
                return Ok(s, Pop3Reply.MultiLine(Pop3Reply.Ok($"{m.Count} messages ({m.Size} octets)"),
                    m.Live.Select(x => $"{x.Number} {x.Message.Size}")));
            case Pop3Command.List { Number: int n }:
                return m.IsLive(n) ? Ok(s, Pop3Reply.Listing(n, m[n].Size)) : Bad(s, Pop3Reply.NoSuchMessage);
            case Pop3Command.Uidl { Number: null }:
                return Ok(s, Pop3Reply.MultiLine(Pop3Reply.Ok("unique-id listing follows"),
                    m.Live.Select(x => $"{x.Number} {x.Message.Uidl}")));
            case Pop3Command.Uidl { Number: int n }:
                return m.IsLive(n) ? Ok(s, Pop3Reply.UniqueId(n, m[n].Uidl)) : Bad(s, Pop3Reply.NoSuchMessage);
            case Pop3Command.Retr r:
                return m.IsLive(r.Number) ? new Pop3Step(s with { BadCommands = 0 }, new SendMessage(m[r.Number], null)) : Bad(s, Pop3Reply.NoSuchMessage);
            case Pop3Command.Top t:
                return m.IsLive(t.Number) ? new Pop3Step(s with { BadCommands = 0 }, new SendMessage(m[t.Number], t.Lines)) : Bad(s, Pop3Reply.NoSuchMessage);
            case Pop3Command.Dele d:
                if (!m.Exists(d.Number)) return Bad(s, Pop3Reply.NoSuchMessage);
                if (!m.IsLive(d.Number)) return Bad(s, Pop3Reply.AlreadyDeleted(d.Number));
                return Ok(s with { Maildrop = m.Delete(d.Number) }, Pop3Reply.Deleted(d.Number));
            case Pop3Command.Noop:
                return Ok(s, Pop3Reply.Noop);
            case Pop3Command.Rset:
                var reset = m.Reset();
                return Ok(s with { Maildrop = reset }, Pop3Reply.LoggedIn(reset));
            case Pop3Command.Quit:
                return new Pop3Step(new Pop3State.Closed(s.Connection, s.Account, HoldsLock: true), new Commit(s.Account, m.DeletedIds));
            case Pop3Command.User or Pop3Command.Pass or Pop3Command.Apop or Pop3Command.Stls or Pop3Command.Auth:
                return Bad(s, Pop3Reply.NotInThisState);
            default:
                return Common(s, command);
        }
    }

    /// <summary>UPDATE state's answer, once the deletions are committed (or not).</summary>
    public static Pop3Step Committed(Pop3State state, bool allRemoved) =>
        new(new Pop3State.Closed(state.Connection, (state as Pop3State.Closed)?.Account),
            new Reply(allRemoved ? Pop3Reply.Bye : Pop3Reply.ByeNotAllDeleted), new Close(allRemoved ? "quit" : "quit, deletions failed"));

    private static Pop3Step Common(Pop3State s, Pop3Command command) => command switch
    {
        Pop3Command.Malformed bad => Bad(s, Pop3Reply.Malformed(bad.Problem)),
        Pop3Command.Unknown unknown => Bad(s, Pop3Reply.Unknown(unknown.Verb)),
        _ => Bad(s, Pop3Reply.NotInThisState),
    };

    private static string Capabilities(Pop3State s)
    {
        var c = s.Connection;
        var caps = new List<string> { "TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING" };
        if (s is Pop3State.Authorization)
        {
            if (c.Policy.Decide(Mechanism.UserPass, c.Tls).Allowed) caps.Add("USER");
            if (c.StlsOffered && !c.Tls) caps.Add("STLS");
        }
        caps.Add("IMPLEMENTATION MailActors");
        return Pop3Reply.MultiLine(Pop3Reply.Ok("capability list follows"), caps);
    }

    private static Pop3Step Ok(Pop3State s, string reply) => new(Reset(s), new Reply(reply));

    private static Pop3Step Bad(Pop3State s, string reply)
    {
        var bad = s.BadCommands + 1;
        if (bad >= MaxBadCommands)
            return new Pop3Step(Close(s), new Reply(reply + Pop3Reply.TooManyBadCommands), new Close("too many bad commands"));
        return new Pop3Step(WithBad(s, bad), new Reply(reply));
    }

    private static Pop3State.Closed Close(Pop3State s) =>
        s is Pop3State.Transaction t ? new(t.Connection, t.Account, HoldsLock: true) : new(s.Connection);

    private static Pop3State Reset(Pop3State s) => s.BadCommands == 0 ? s : WithBad(s, 0);

    private static Pop3State WithBad(Pop3State s, int bad) => s switch
    {
        Pop3State.Authorization a => a with { BadCommands = bad },
        Pop3State.Transaction t => t with { BadCommands = bad },
        _ => s,
    };
}
