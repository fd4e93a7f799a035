namespace MailActors.Smtp;

/// <summary>Every reply an SMTP client can read, written once, with enhanced status codes (RFC 3463).</summary>
public static class SmtpReply
{
    private static string Line(string text) => text + "\r\n";

    public static string Greeting(string hostname) => Line($"220 {hostname} ESMTP MailActors ready");
    public static string HeloOk(string hostname, string domain) => Line($"250 {hostname} greets {domain}");

    /// <summary>The EHLO reply: the first line, then the extensions, the last with "250 ".</summary>
    public static string Ehlo(string hostname, string domain, IReadOnlyList<string> extensions)
    {
        var lines = new List<string> { $"{hostname} greets {domain}" };
        lines.AddRange(extensions);
        return string.Concat(lines.Select((l, i) => Line((i == lines.Count - 1 ? "250 " : "250-") + l)));
    }

    public static readonly string Ok = Line("250 2.0.0 OK");
    public static readonly string SenderOk = Line("250 2.1.0 sender OK");
    public static readonly string RecipientOk = Line("250 2.1.5 recipient OK");
    public static readonly string StartData = Line("354 send the message; end with <CRLF>.<CRLF>");
    public static string Queued(string id) => Line($"250 2.0.0 OK: queued as {id}");
    public static readonly string Reset = Line("250 2.0.0 reset");
    public static readonly string Bye = Line("221 2.0.0 bye");
    public static readonly string CannotVrfy = Line("252 2.5.2 cannot verify the user, but will accept mail and try delivery");
    public static readonly string NoExpn = Line("502 5.5.1 EXPN is not offered");
    public static readonly string Help = Line("214 2.0.0 see RFC 5321; commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY STARTTLS AUTH");

    public static readonly string ReadyForTls = Line("220 2.0.0 ready to start TLS");
    public static readonly string AlreadyTls = Line("503 5.5.1 TLS is already active");
    public static readonly string TlsNotOffered = Line("502 5.5.1 STARTTLS is not offered here");

    public static readonly string AuthOk = Line("235 2.7.0 authentication succeeded");
    public static readonly string AuthFailed = Line("535 5.7.8 authentication credentials invalid");
    public static readonly string AuthDisabled = Line("535 5.7.8 account disabled; ask the help desk");
    public static readonly string AuthNeedsTls = Line("538 5.7.11 encryption required: send STARTTLS first, then AUTH");
    public static readonly string AuthBlocked = Line("454 4.7.0 too many failed logins; wait a while before trying again");
    public static readonly string AuthTryLater = Line("454 4.7.0 authentication temporarily unavailable; try again shortly");
    public static readonly string AuthCancelled = Line("501 5.7.0 authentication cancelled");
    public static readonly string AuthBadResponse = Line("501 5.5.2 cannot decode the response (base64 expected)");
    public static readonly string AuthMechanismUnknown = Line("504 5.5.4 unknown mechanism; use AUTH PLAIN or AUTH LOGIN");
    public static readonly string AlreadyAuthenticated = Line("503 5.5.1 already authenticated");
    public static string AuthChallenge(string base64) => Line($"334 {base64}");

    public static readonly string HeloFirst = Line("503 5.5.1 send EHLO (or HELO) first");
    public static readonly string NestedMail = Line("503 5.5.1 a transaction is already open; RSET first");
    public static readonly string MailFirst = Line("503 5.5.1 send MAIL FROM first");
    public static readonly string NoRecipients = Line("554 5.5.1 no valid recipients");
    public static readonly string NotDuringTransaction = Line("503 5.5.1 not allowed during a mail transaction; RSET first");
    public static string SyntaxError(string usage) => Line($"501 5.5.4 syntax error: {usage}");
    public static string ParameterNotRecognized(string name) => Line($"555 5.5.4 parameter {name} is not recognized");
    public static readonly string BadSenderAddress = Line("501 5.1.7 bad sender address syntax");
    public static readonly string BadRecipientAddress = Line("501 5.1.3 bad recipient address syntax");
    public static string UnknownCommand(string verb) => Line($"500 5.5.2 unknown command {verb}");
    public static readonly string LineTooLong = Line("500 5.5.2 line too long");
    public static readonly string TooManyErrors = Line("421 4.7.0 too many errors; closing the connection");

    public static string MessageTooBig(long max) => Line($"552 5.3.4 message size exceeds the limit of {max} octets");
    public static readonly string TooManyRecipients = Line("452 4.5.3 too many recipients; send the rest in another message");
    public static string UnknownUser(string address) => Line($"550 5.1.1 <{address}>: no such user here");
    /// <summary>docs/spec.md §4: a mailbox at or over its quota; temporary, so the sender retries once it is emptied.</summary>
    public static string MailboxFull(string address) => Line($"452 4.2.2 <{address}>: mailbox full; try again later");
    public static string RecipientDisabled(string address) => Line($"550 5.2.1 <{address}>: mailbox disabled; not accepting mail");
    public static string RelayDenied(string address, string advice) => Line($"554 5.7.1 <{address}>: relay access denied: {advice}");
    public static string LoopsBack(string address) =>
        Line($"554 5.4.6 <{address}>: this address literal names this server, so the mail would loop; write to the user's domain instead");
    public static readonly string TooManyHops = Line("554 5.4.6 message refused: too many Received: headers; it is probably looping");
    public static string SubmissionNeedsAuth(string advice) => Line($"530 5.7.0 authentication required: {advice}");
    public static string SenderNotYours(string account) =>
        Line($"553 5.7.1 this server sends for {account} only with one of {account}'s own addresses as sender");
    public static readonly string BareLineEnd =
        Line("554 5.6.11 message refused: bare CR or LF in the data; every line must end with CRLF");
    public static readonly string DataLineTooLong = Line("500 5.5.2 message refused: a line is longer than 998 octets");
    public static readonly string CommitsBusy = Line("451 4.3.2 too many messages are being stored right now; try again in a few minutes");
    public static readonly string StorageFailed = Line("451 4.3.0 the message could not be stored; try again later");
    public static readonly string PolicyUnavailable = Line("451 4.7.0 the sending policy could not be checked; try again shortly");
    public static readonly string LookupFailed = Line("451 4.3.0 the recipient could not be checked; try again shortly");

    public static readonly string DataTimeout = Line("421 4.4.2 the message took too long to arrive; closing the connection");
    public static readonly string IdleTimeout = Line("421 4.4.2 idle for too long; closing the connection");
    public static readonly string ServerBusy = Line("421 4.7.0 server busy; try again in a minute");
    public static readonly string TooManyConnections = Line("421 4.7.0 too many connections from your address; close some and try again");
    public static readonly string TryLater = Line("421 4.3.0 service temporarily unavailable; try again shortly");
}
