using System.Collections.Immutable;
using System.Net;
using MailActors.Grants;
using MailActors.Policy;

namespace MailActors.Smtp;

/// <summary>What an SMTP session knows about its connection; fixed but for <see cref="Tls"/>.</summary>
public sealed record SmtpConnection(
    string Hostname,
    ListenerKind Listener,
    PolicyProtocol.ConnectionPolicy Policy,
    IPAddress Client,
    bool Tls,
    bool StartTlsOffered,
    IReadOnlyList<string> LocalDomains,
    long MaxMessageSize,
    int MaxRecipients,
    bool BindSender,
    int MaxHops = 50,
    MessageSpool? Spool = null)
{
    /// <summary>A reader for the DATA that follows a 354: hops counted, spooled past the spool's threshold.</summary>
    public DataReader NewDataReader() => new(MaxMessageSize, MaxHops, Spool ?? MessageSpool.MemoryOnly);

    public bool IsLocalDomain(string domain) => LocalDomains.Contains(domain, StringComparer.OrdinalIgnoreCase);
}

/// <summary>Why a recipient (or, on submission, the sender) may be relayed: which rule, and whose grant or AUTH.</summary>
public sealed record RelayPermit(string Rule, string? Account, Grant? Grant);

/// <summary>
/// A recipient accepted at RCPT: local (its account), relayed (its permit), or a local alias (its expansion: accounts,
/// and remote addresses relayed as this server's own mail, which need no permit of the client's; docs/spec.md §4).
/// </summary>
public sealed record Recipient(SmtpAddress Address, string? LocalAccount, RelayPermit? Relay, AliasExpansion? Alias = null);

/// <summary>What a local alias expanded to at RCPT.</summary>
public sealed record AliasExpansion(IReadOnlyList<string> Accounts, IReadOnlyList<string> Forwards);

/// <summary>The open mail transaction (RFC 5321 §3.3): from MAIL until the end of DATA or RSET.</summary>
public sealed record Envelope(string Sender, ImmutableList<Recipient> Recipients, RelayPermit? SenderPermit)
{
    /// <summary>The recipients relayed on the client's permit (not an alias's forwards).</summary>
    public IEnumerable<Recipient> Relayed => Recipients.Where(r => r.Relay is not null);

    public IEnumerable<string> LocalAccounts =>
        Recipients.SelectMany(r => r.Alias?.Accounts ?? (r.LocalAccount is { } a ? [a] : [])).Distinct();

    /// <summary>Remote addresses that aliases forward to.</summary>
    public IEnumerable<string> Forwards => Recipients.SelectMany(r => r.Alias?.Forwards ?? []);
}

/// <summary>An AUTH exchange under way: the mechanism and, for LOGIN, the user name given so far.</summary>
public sealed record AuthExchange(string Mechanism, string? User);

/// <summary>What a session carries from state to state: its connection, the client's HELO, the AUTH account, the error count.</summary>
public sealed record SmtpSession(SmtpConnection Connection, string? Helo = null, bool Esmtp = false, string? AuthAccount = null, int Errors = 0);

/// <summary>
/// The SMTP session states (RFC 5321 §4.1.4 command order, RFC 4954 AUTH). Which commands each allows is the table in
/// <see cref="SmtpMachine"/>.
/// </summary>
public abstract record SmtpState(SmtpSession Session)
{
    public SmtpConnection Connection => Session.Connection;
    public string? Helo => Session.Helo;
    public string? AuthAccount => Session.AuthAccount;
    public int Errors => Session.Errors;
    public bool Esmtp => Session.Esmtp;

    /// <summary>Greeted by the server; the client has not said HELO or EHLO yet.</summary>
    public sealed record Connected(SmtpSession Session) : SmtpState(Session);

    /// <summary>After HELO or EHLO, with no mail transaction open.</summary>
    public sealed record Greeted(SmtpSession Session) : SmtpState(Session);

    /// <summary>MAIL was accepted: recipients are being gathered.</summary>
    public sealed record InTransaction(SmtpSession Session, Envelope Envelope) : SmtpState(Session);

    /// <summary>After the 354: lines are message data, read by <paramref name="Reader"/> until the lone dot.</summary>
    public sealed record InData(SmtpSession Session, Envelope Envelope, DataReader Reader) : SmtpState(Session);

    /// <summary>An AUTH exchange waits for the client's next response line.</summary>
    public sealed record InAuth(SmtpSession Session, AuthExchange Exchange) : SmtpState(Session);

    public sealed record Closed(SmtpSession Session) : SmtpState(Session);

    public static SmtpState Start(SmtpConnection connection) => new Connected(new SmtpSession(connection));

    /// <summary>The same state with the session-long facts replaced.</summary>
    public SmtpState With(SmtpSession session) => this with { Session = session };
}
