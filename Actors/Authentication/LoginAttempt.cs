using System.Net;
using MailActors.Policy;

namespace MailActors.Authentication;

/// <summary>
/// One login, as the policy already allowed its mechanism: <paramref name="Rule"/> is the row that did, and with
/// <paramref name="Listener"/> and <paramref name="Zone"/> it goes into the audit fact. <paramref name="Secret"/> is
/// the password, or for APOP the digest of <paramref name="ApopTimestamp"/>.
/// </summary>
public sealed record LoginAttempt(
    IPAddress Client, string Name, string Secret, Mechanism Mechanism, string Listener, string Rule, Zone Zone,
    string? ApopTimestamp = null);

/// <summary>How a login ended. The audit reason comes from the case, never from the reply a protocol gives for it.</summary>
public abstract record LoginOutcome
{
    public sealed record Succeeded(string Account) : LoginOutcome;

    /// <summary>A wrong password or digest, or an unknown user.</summary>
    public sealed record WrongCredentials : LoginOutcome
    {
        public static readonly WrongCredentials Instance = new();
    }

    /// <summary>Refused by the brute-force limits, before anything was checked.</summary>
    public sealed record Blocked : LoginOutcome
    {
        public static readonly Blocked Instance = new();
    }

    /// <summary>The right secret for a disabled account.</summary>
    public sealed record Disabled(string Account) : LoginOutcome;

    /// <summary>The credentials were right, but the mailbox is held by another session (POP3 <c>[IN-USE]</c>).</summary>
    public sealed record InUse(string Account) : LoginOutcome;

    /// <summary>Something needed did not answer: a temporary failure.</summary>
    public sealed record Unavailable(string Why) : LoginOutcome;

    /// <summary>The reason an <c>auth-failed</c> fact records.</summary>
    public string FailureReason => this switch
    {
        WrongCredentials => "wrong password or unknown user",
        Blocked => "blocked after repeated failures",
        Disabled => "account disabled",
        InUse => "mailbox in use",
        _ => "temporarily unavailable",
    };
}
