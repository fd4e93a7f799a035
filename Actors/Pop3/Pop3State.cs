using MailActors.Policy;

namespace MailActors.Pop3;

/// <summary>What a POP3 session knows about its connection; fixed except for TLS.</summary>
public sealed record Pop3Connection(
    string Hostname,
    ListenerKind Listener,
    PolicyProtocol.ConnectionPolicy Policy,
    bool Tls,
    bool StlsOffered,
    string? ApopTimestamp,
    int Pop3sPort);

/// <summary>The RFC 1939 session states. UPDATE is the <see cref="Pop3Effect.Commit"/> effect at QUIT.</summary>
public abstract record Pop3State(Pop3Connection Connection, int BadCommands)
{
    /// <param name="User">the name given with USER, awaiting PASS.</param>
    /// <param name="ChallengeSpent">APOP was tried with this greeting's timestamp; it is never accepted twice.</param>
    /// <param name="Refusals">logins the policy refused on this connection; unlike bad commands, never reset.</param>
    public sealed record Authorization(Pop3Connection Connection, string? User, bool ChallengeSpent, int BadCommands = 0, int Refusals = 0)
        : Pop3State(Connection, BadCommands);

    public sealed record Transaction(Pop3Connection Connection, string Account, Maildrop Maildrop, int BadCommands = 0)
        : Pop3State(Connection, BadCommands);

    /// <param name="Account">who had logged in, if anyone.</param>
    /// <param name="HoldsLock">the session still holds the mailbox lock (its UPDATE has not released it).</param>
    public sealed record Closed(Pop3Connection Connection, string? Account = null, bool HoldsLock = false) : Pop3State(Connection, 0);

    public static Authorization Start(Pop3Connection connection) => new(connection, null, false);

    /// <summary>Who logged in on this session, if anyone.</summary>
    public static string? AccountOf(Pop3State? state) => state switch
    {
        Transaction t => t.Account,
        Closed c => c.Account,
        _ => null,
    };

    /// <summary>The mailbox the session still holds locked: in TRANSACTION, or closed before its UPDATE released it.</summary>
    public static string? LockedAccountOf(Pop3State? state) => state switch
    {
        Transaction t => t.Account,
        Closed { HoldsLock: true } c => c.Account,
        _ => null,
    };
}
