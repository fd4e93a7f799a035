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
    bool BindSender)
{
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

public enum SmtpPhase { Command, Data, Auth, Closed }

/// <summary>An AUTH exchange under way: the mechanism and, for LOGIN, the user name given so far.</summary>
public sealed record AuthExchange(string Mechanism, string? User);

public sealed record SmtpState(
    SmtpConnection Connection,
    SmtpPhase Phase = SmtpPhase.Command,
    string? Helo = null,
    bool Esmtp = false,
    string? AuthAccount = null,
    Envelope? Envelope = null,
    AuthExchange? Auth = null,
    int Errors = 0);
