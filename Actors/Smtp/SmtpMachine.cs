using System.Collections.Immutable;
using System.Text;
using MailActors.Accounts;
using MailActors.Aliases;
using MailActors.Authentication;
using MailActors.Grants;
using MailActors.Policy;
using MailActors.Sessions;
using static MailActors.Smtp.SmtpEffect;
using static MailActors.Smtp.SmtpState;

namespace MailActors.Smtp;

/// <summary>
/// SMTP as a pure state machine (RFC 5321, 3207 STARTTLS, 4954 AUTH, 1870 SIZE, 2920 PIPELINING): a state and
/// a command in, the next state and the effects out. The relay decision of docs/spec.md §6 is made here, from the
/// policy rows the session carries and what the grant ledger answered; no sockets, actors or storage.
/// </summary>
public static class SmtpMachine
{
    /// <summary>Postfix's smtpd_hard_error_limit: this many errors in one session and it is closed.</summary>
    public const int MaxErrors = 20;

    public static SmtpStep Greet(SmtpState state) => new(state, new Reply(SmtpReply.Greeting(state.Connection.Hostname)));

    public static SmtpStep Handle(SmtpState state, string line) => Handle(state, new ConnectionEvents.Line(line));

    public static SmtpStep Handle(SmtpState state, ConnectionEvents.Line line) => state switch
    {
        InData data => data.Reader.Add(line) is { } end ? DataEnded(data, end) : new SmtpStep(data),
        Closed => new SmtpStep(state),
        InAuth auth when line.TooLong => Error(new Greeted(auth.Session), SmtpReply.LineTooLong),
        _ when line.TooLong => Error(state, SmtpReply.LineTooLong),
        InAuth auth => AuthResponse(auth, line.Text),
        _ => Command(state, SmtpParser.Parse(line.Text)),
    };

    public static SmtpStep LineTooLong(SmtpState state) => Handle(state, new ConnectionEvents.Line("", TooLong: true));

    /// <summary>
    /// Which command each state allows, and where it leads (RFC 5321 §4.1.4; RFC 3207; RFC 4954 §4). HELO/EHLO,
    /// RSET and STARTTLS end an open transaction; the rest leave the state as it is.
    /// </summary>
    private static SmtpStep Command(SmtpState s, SmtpCommand command) => (s, command) switch
    {
        (_, SmtpCommand.Ehlo ehlo) => Ok(new Greeted(s.Session with { Helo = ehlo.Domain, Esmtp = true }),
            SmtpReply.Ehlo(s.Connection.Hostname, ehlo.Domain, Extensions(s))),
        (_, SmtpCommand.Helo helo) => Ok(new Greeted(s.Session with { Helo = helo.Domain, Esmtp = false }),
            SmtpReply.HeloOk(s.Connection.Hostname, helo.Domain)),
        (_, SmtpCommand.Quit) => new SmtpStep(new Closed(s.Session), new Reply(SmtpReply.Bye), new Close("quit")),
        (_, SmtpCommand.Noop) => Ok(s, SmtpReply.Ok),
        (_, SmtpCommand.Vrfy) => Ok(s, SmtpReply.CannotVrfy),
        (_, SmtpCommand.Help) => Ok(s, SmtpReply.Help),
        (_, SmtpCommand.Expn) => Error(s, SmtpReply.NoExpn),
        (InTransaction, SmtpCommand.Rset) => Ok(new Greeted(s.Session), SmtpReply.Reset),
        (_, SmtpCommand.Rset) => Ok(s, SmtpReply.Reset),
        (_, SmtpCommand.StartTls) => StartTlsCommand(s),
        (_, SmtpCommand.Auth) when !s.Connection.Tls => Error(s, SmtpReply.AuthNeedsTls),
        (_, SmtpCommand.Auth) when s.AuthAccount is not null => Error(s, SmtpReply.AlreadyAuthenticated),
        (InTransaction, SmtpCommand.Auth) => Error(s, SmtpReply.NotDuringTransaction),
        (Greeted greeted, SmtpCommand.Auth auth) => Auth(greeted, auth),
        (Greeted greeted, SmtpCommand.Mail mail) => Mail(greeted, mail),
        (InTransaction, SmtpCommand.Mail) => Error(s, SmtpReply.NestedMail),
        (Connected, SmtpCommand.Mail or SmtpCommand.Auth) => Error(s, SmtpReply.HeloFirst),
        (InTransaction t, SmtpCommand.Rcpt rcpt) => Rcpt(t, rcpt.Recipient),
        (InTransaction { Envelope.Recipients.IsEmpty: true }, SmtpCommand.Data) => Error(s, SmtpReply.NoRecipients),
        (InTransaction t, SmtpCommand.Data) => new SmtpStep(new InData(t.Session, t.Envelope, s.Connection.NewDataReader()),
            new Reply(SmtpReply.StartData)),
        (_, SmtpCommand.Rcpt or SmtpCommand.Data) => Error(s, SmtpReply.MailFirst),
        (_, SmtpCommand.Malformed bad) => Error(s, bad.Reply),
        (_, SmtpCommand.Unknown unknown) => Error(s, SmtpReply.UnknownCommand(unknown.Verb)),
        _ => Error(s, SmtpReply.UnknownCommand("?")),
    };

    private static SmtpStep StartTlsCommand(SmtpState s)
    {
        if (s.Connection.Tls) return Error(s, SmtpReply.AlreadyTls);
        if (!s.Connection.StartTlsOffered) return Error(s, SmtpReply.TlsNotOffered);
        return new SmtpStep(s is InTransaction ? new Greeted(s.Session) : s, new StartTls(SmtpReply.ReadyForTls));
    }

    private static IReadOnlyList<string> Extensions(SmtpState s)
    {
        var c = s.Connection;
        var list = new List<string> { "PIPELINING", $"SIZE {c.MaxMessageSize}", "8BITMIME", "ENHANCEDSTATUSCODES" };
        if (c.StartTlsOffered && !c.Tls) list.Add("STARTTLS");
        if (c.Tls) list.Add("AUTH PLAIN LOGIN");
        return list;
    }

    /// <summary>After STARTTLS the session starts over: no HELO, no transaction, no AUTH carries across (RFC 3207 §4.2).</summary>
    public static SmtpStep TlsStarted(SmtpState s) => new(Start(s.Connection with { Tls = true }));

    // MAIL (RFC 5321 §4.1.1.2; SIZE: RFC 1870; submission from outside: docs/spec.md §6)
    private static SmtpStep Mail(Greeted s, SmtpCommand.Mail mail)
    {
        var c = s.Connection;
        if (mail.Size > c.MaxMessageSize) return Error(s, SmtpReply.MessageTooBig(c.MaxMessageSize));
        if (!c.Listener.IsSubmission()) return Open(s, mail.Sender, null);

        if (Network(c) is { Allowed: true } network) return Open(s, mail.Sender, new RelayPermit(network.Rule, null, null));
        if (s.AuthAccount is { } account) return SenderPermitted(s, mail.Sender, ByAuth(c, account));
        return new SmtpStep(s, new CheckGrant(mail.Sender, null));
    }

    private static SmtpStep Open(SmtpState s, string sender, RelayPermit? permit) =>
        Ok(new InTransaction(s.Session, new Envelope(sender, ImmutableList<Recipient>.Empty, permit)), SmtpReply.SenderOk);

    private static SmtpStep SenderPermitted(SmtpState s, string sender, RelayPermit permit)
    {
        if (BoundSenderRefusal(s.Connection, sender, permit) is { } refusal)
            return Audited(Error(s, refusal), new RelayRefused(permit.Rule, NotTheGrantsSender, sender, null));
        return Open(s, sender, permit);
    }

    // RCPT (RFC 5321 §4.1.1.3; the relay decision of docs/spec.md §6)
    private static SmtpStep Rcpt(InTransaction s, SmtpAddress recipient)
    {
        var (c, envelope) = (s.Connection, s.Envelope);
        if (envelope.Recipients.Count >= c.MaxRecipients) return Refuse(s, SmtpReply.TooManyRecipients);

        if (recipient.Domain.Length == 0 || c.IsLocalDomain(recipient.Domain))
        {
            var account = AccountName.Normalize(recipient.LocalPart, []);
            return account is null
                ? Error(s, SmtpReply.UnknownUser(recipient.ToString()))
                : new SmtpStep(s, new FindRecipient(recipient, account));
        }

        // docs/spec.md §14: mail for this server's own address literal would come straight back; the spec names the
        // local domains, and a literal is not one of them, so it is refused rather than taken as local.
        if (AddressLiteral.Parse(recipient.Domain) is { } literal && OwnAddresses.Contains(literal))
            return Error(s, SmtpReply.LoopsBack(recipient.ToString()));

        if (Network(c) is { Allowed: true } network) return AddRelay(s, recipient, new RelayPermit(network.Rule, null, null));
        if (s.AuthAccount is { } authAccount) return AddRelay(s, recipient, ByAuth(c, authAccount));
        return new SmtpStep(s, new CheckGrant(envelope.Sender, recipient));
    }

    /// <summary>The store's answer to <see cref="FindRecipient"/>, an account (its canonical mailbox) or an alias expanded (docs/spec.md §4).</summary>
    public static SmtpStep RecipientChecked(SmtpState s, FindRecipient asked, RecipientResolution answer) => (s, answer) switch
    {
        (InTransaction t, RecipientResolution.Deliver { Accounts: [var account], Forwards: [] }) => Add(t, new Recipient(asked.Address, account, null)),
        (InTransaction t, RecipientResolution.Deliver alias) =>
            Add(t, new Recipient(asked.Address, null, null, new AliasExpansion(alias.Accounts, alias.Forwards))),
        (InTransaction, RecipientResolution.Unknown) => Error(s, SmtpReply.UnknownUser(asked.Address.ToString())),
        (InTransaction, RecipientResolution.Disabled) => Refuse(s, SmtpReply.RecipientDisabled(asked.Address.ToString())),
        (InTransaction, RecipientResolution.Full) => Refuse(s, SmtpReply.MailboxFull(asked.Address.ToString())),
        (InTransaction, _) => Refuse(s, SmtpReply.LookupFailed),
        _ => new SmtpStep(s),
    };

    /// <summary>The ledger's answer to <see cref="CheckGrant"/>. <paramref name="failed"/>: no answer in time: fail closed.</summary>
    public static SmtpStep GrantChecked(SmtpState s, CheckGrant asked, Grant? grant, bool failed, DateTime now)
    {
        var c = s.Connection;
        if (failed) return Refuse(s, SmtpReply.PolicyUnavailable);
        var permit = grant is not null && grant.IsValidAt(now) && c.Policy.Decide(Mechanism.Grant, c.Tls) is { Allowed: true } byGrant
            ? new RelayPermit(byGrant.Rule, grant.Account, grant)
            : null;

        var refusal = Network(c)!;
        if (asked.Recipient is null) // submission MAIL
        {
            if (permit is null)
                return Audited(Error(s, SmtpReply.SubmissionNeedsAuth(refusal.Advice)), new RelayRefused(refusal.Rule, NoPermit, asked.Sender, null));
            return SenderPermitted(s, asked.Sender, permit);
        }
        if (s is not InTransaction transaction) return new SmtpStep(s);
        if (permit is null)
            return Audited(Error(s, SmtpReply.RelayDenied(asked.Recipient.ToString(), refusal.Advice)),
                new RelayRefused(refusal.Rule, NoPermit, asked.Sender, asked.Recipient));
        return AddRelay(transaction, asked.Recipient, permit);
    }

    public const string NoPermit = "no grant, AUTH or network rule allows relaying from this address";
    private const string NotTheGrantsSender = "the envelope sender is not an address of the grant's account (bind-sender)";

    private static SmtpStep AddRelay(InTransaction s, SmtpAddress recipient, RelayPermit permit)
    {
        if (BoundSenderRefusal(s.Connection, s.Envelope.Sender, permit) is { } refusal)
            return Audited(Error(s, refusal), new RelayRefused(permit.Rule, NotTheGrantsSender, s.Envelope.Sender, recipient));
        return Add(s, new Recipient(recipient, null, permit));
    }

    private static SmtpStep Audited(SmtpStep step, SmtpEffect fact) => step with { Effects = [fact, .. step.Effects] };

    private static SmtpStep Add(InTransaction s, Recipient recipient) =>
        Ok(s with { Envelope = s.Envelope with { Recipients = s.Envelope.Recipients.Add(recipient) } }, SmtpReply.RecipientOk);

    /// <summary><c>pop-before-smtp.bind-sender</c>: a grant sends only with its own account's addresses as sender.</summary>
    private static string? BoundSenderRefusal(SmtpConnection c, string sender, RelayPermit permit)
    {
        if (!c.BindSender || permit.Grant is null) return null;
        var address = SmtpAddress.Parse(sender);
        var own = address is not null && c.IsLocalDomain(address.Domain) &&
                  AccountName.Normalize(address.LocalPart, []) == permit.Grant.Account;
        return own ? null : SmtpReply.SenderNotYours(permit.Grant.Account);
    }

    private static PolicyDecision? Network(SmtpConnection c) => c.Policy.Decide(Mechanism.Network, c.Tls);

    private static RelayPermit ByAuth(SmtpConnection c, string account) =>
        new(c.Policy.Decide(Mechanism.SmtpAuth, c.Tls).Rule, account, null);

    // DATA (RFC 5321 §4.1.1.4): the session reads it; this is what its end means.
    private static SmtpStep DataEnded(InData s, DataEnd end)
    {
        var envelope = s.Envelope;
        var next = new Greeted(s.Session);
        return end.Problem switch
        {
            DataProblem.None => new SmtpStep(next, new Deliver(envelope, end.Body!)),
            DataProblem.TooBig => new SmtpStep(next, new Reply(SmtpReply.MessageTooBig(s.Connection.MaxMessageSize))),
            DataProblem.LineTooLong => new SmtpStep(next, new Reply(SmtpReply.DataLineTooLong)),
            DataProblem.TooManyHops => new SmtpStep(next, new Reply(SmtpReply.TooManyHops)),
            _ => new SmtpStep(next, new Reply(SmtpReply.BareLineEnd)),
        };
    }

    /// <summary>The outcome of <see cref="Deliver"/>: the queue id once everything is committed, or null when nothing was
    /// (<paramref name="fullMailbox"/>: because that mailbox filled up after RCPT; nothing is half-delivered).</summary>
    public static SmtpStep Stored(SmtpState s, string? id, string? fullMailbox = null) =>
        new(s, new Reply(id is not null ? SmtpReply.Queued(id) : fullMailbox is not null ? SmtpReply.MailboxFull(fullMailbox) : SmtpReply.StorageFailed));

    /// <summary>The message could not start its commit within the node's budget of octets in commit (docs/spec.md §14).</summary>
    public static SmtpStep CommitsBusy(SmtpState s) => new(s, new Reply(SmtpReply.CommitsBusy));

    // AUTH (RFC 4954; PLAIN: RFC 4616; LOGIN as every client speaks it)
    private static SmtpStep Auth(Greeted s, SmtpCommand.Auth auth)
    {
        return auth.Mechanism switch
        {
            "PLAIN" when auth.InitialResponse is null =>
                new SmtpStep(new InAuth(s.Session, new AuthExchange("PLAIN", null)), new Reply(SmtpReply.AuthChallenge(""))),
            "PLAIN" => Plain(s, auth.InitialResponse == "=" ? "" : auth.InitialResponse),
            "LOGIN" when auth.InitialResponse is null =>
                new SmtpStep(new InAuth(s.Session, new AuthExchange("LOGIN", null)), new Reply(SmtpReply.AuthChallenge(Username))),
            "LOGIN" => LoginUser(s, auth.InitialResponse),
            _ => Error(s, SmtpReply.AuthMechanismUnknown),
        };
    }

    private static readonly string Username = Convert.ToBase64String("Username:"u8);
    private static readonly string Password = Convert.ToBase64String("Password:"u8);

    private static SmtpStep AuthResponse(InAuth s, string line)
    {
        var command = new Greeted(s.Session);
        if (line == "*") return Error(command, SmtpReply.AuthCancelled);
        return s.Exchange switch
        {
            { Mechanism: "PLAIN" } => Plain(command, line),
            { Mechanism: "LOGIN", User: null } => LoginUser(command, line),
            { Mechanism: "LOGIN", User: { } user } => Decode(line) is { } password
                ? new SmtpStep(command, new Authenticate(user, password))
                : Error(command, SmtpReply.AuthBadResponse),
            _ => Error(command, SmtpReply.AuthCancelled),
        };
    }

    private static SmtpStep Plain(SmtpState s, string response)
    {
        var parts = Decode(response)?.Split('\0');
        if (parts is not { Length: 3 }) return Error(s, SmtpReply.AuthBadResponse);
        var (authzid, user, password) = (parts[0], parts[1], parts[2]);
        if (authzid.Length > 0 && authzid != user) return Error(s, SmtpReply.AuthFailed); // no acting for others
        return new SmtpStep(s, new Authenticate(user, password));
    }

    private static SmtpStep LoginUser(SmtpState s, string response) => Decode(response) is { } user
        ? new SmtpStep(new InAuth(s.Session, new AuthExchange("LOGIN", user)), new Reply(SmtpReply.AuthChallenge(Password)))
        : Error(new Greeted(s.Session), SmtpReply.AuthBadResponse);

    public static SmtpStep Authenticated(SmtpState s, LoginOutcome outcome) => outcome switch
    {
        LoginOutcome.Succeeded ok => Ok(s.With(s.Session with { AuthAccount = ok.Account }), SmtpReply.AuthOk),
        LoginOutcome.Blocked => Refuse(s, SmtpReply.AuthBlocked),
        LoginOutcome.Disabled => Error(s, SmtpReply.AuthDisabled),
        LoginOutcome.WrongCredentials => Error(s, SmtpReply.AuthFailed),
        _ => Refuse(s, SmtpReply.AuthTryLater),
    };

    private static string? Decode(string base64)
    {
        try { return Encoding.UTF8.GetString(Convert.FromBase64String(base64)); }
        catch (FormatException) { return null; }
    }

    private static SmtpStep Ok(SmtpState s, string reply) => new(s, new Reply(reply));

    /// <summary>A temporary refusal: the server's trouble or a limit the client may retry past, not counted. Relay and
    /// policy refusals are <see cref="Error"/>s: they cost the client its error budget (docs/spec.md §14).</summary>
    private static SmtpStep Refuse(SmtpState s, string reply) => new(s, new Reply(reply));

    private static SmtpStep Error(SmtpState s, string reply)
    {
        var session = s.Session with { Errors = s.Errors + 1 };
        if (session.Errors >= MaxErrors)
            return new SmtpStep(new Closed(session), new Reply(SmtpReply.TooManyErrors), new Close("too many errors"));
        return new SmtpStep(s.With(session), new Reply(reply));
    }
}
