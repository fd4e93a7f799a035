namespace MailActors.Pop3;

/// <summary>Every reply a POP3 user can read, written once. Response codes per RFC 2449 and RFC 3206.</summary>
public static class Pop3Reply
{
    public static string Ok(string text) => $"+OK {text}\r\n";
    public static string Err(string text) => $"-ERR {text}\r\n";

    public static string Greeting(string hostname, string? apopTimestamp) =>
        apopTimestamp is null ? Ok($"{hostname} POP3 ready") : Ok($"{hostname} POP3 ready {apopTimestamp}");

    public static string SendPass => Ok("send your password");
    public static string LoggedIn(Maildrop m) => Ok($"maildrop has {m.Count} messages ({m.Size} octets)");

    public static string PolicyRefused(string advice) => Err($"[AUTH] {advice}");
    public static readonly string AuthFailed = Err("[AUTH] authentication failed");
    public static readonly string LoginDelay = Err("[LOGIN-DELAY] too many failed logins; wait a while before trying again");
    public static readonly string AccountDisabled = Err("[SYS/PERM] account disabled; ask the help desk");
    public static readonly string InUse = Err("[IN-USE] mailbox is in use by another POP3 session; close it and try again");
    public static readonly string ApopChallengeSpent = Err("[AUTH] this connection's APOP challenge is used up; reconnect for a new one");
    public static readonly string UserFirst = Err("send USER first");
    public static readonly string SaslNotOffered = Err("SASL is not offered here; log in with USER and PASS");

    public static readonly string BeginTls = Ok("begin TLS negotiation");
    public static readonly string AlreadyTls = Err("TLS is already active");
    public static string StlsNotOffered(int pop3sPort) => Err($"STLS is not offered on this port; use POP3 over TLS on port {pop3sPort}");

    public static readonly string NoSuchMessage = Err("no such message");
    public static string AlreadyDeleted(int n) => Err($"message {n} already deleted");
    public static string Deleted(int n) => Ok($"message {n} deleted");
    public static string Listing(int n, long size) => Ok($"{n} {size}");
    public static string UniqueId(int n, string uidl) => Ok($"{n} {uidl}");
    public static string Stat(Maildrop m) => Ok($"{m.Count} {m.Size}");
    public static readonly string Noop = Ok("");
    public static string Octets(long size) => Ok($"{size} octets");
    public static readonly string TopFollows = Ok("top of message follows");

    public static readonly string Bye = Ok("bye");
    public static readonly string ByeNotAllDeleted = Err("[SYS/TEMP] some deleted messages were not removed; try again later");
    public static readonly string NotInThisState = Err("command not valid in this state");
    public static string Unknown(string verb) => Err($"unknown command {verb}");
    public static string Malformed(string problem) => Err(problem);
    public static readonly string TooManyBadCommands = Err("[SYS/PERM] too many bad commands; closing");
    public static readonly string LineTooLong = Err("line too long");
    public static readonly string Autologout = Err("autologout; idle for too long");
    public static readonly string TryLater = Err("[SYS/TEMP] service temporarily unavailable; try again shortly");
    public static readonly string ServerBusy = Err("[SYS/TEMP] server busy; try again in a minute");
    public static readonly string TooManyConnections = Err("[SYS/TEMP] too many connections from your address; close some and try again");
    public static readonly string MessageGone = Err("[SYS/TEMP] message could not be read; try again");

    /// <summary>A multi-line response body line list, terminated with the lone dot (RFC 1939 §3).</summary>
    public static string MultiLine(string first, IEnumerable<string> lines) =>
        first + string.Concat(lines.Select(l => l + "\r\n")) + ".\r\n";
}
