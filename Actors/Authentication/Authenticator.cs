using Akka.Actor;
using MailActors.Accounts;
using MailActors.Audit;
using MailActors.AuthFailures;
using MailActors.Grants;
using MailActors.Policy;

namespace MailActors.Authentication;

/// <summary>
/// Every login, whatever the protocol: the brute-force check, the credential check, and on a wrong secret the
/// failure counted, the grants of a blocked account or address revoked, and the growing delay (docs/spec.md §5).
/// The outcome is audited once, here. Thread-safe; sessions call it from tasks.
/// </summary>
public sealed class Authenticator(
    IReadOnlyList<string> localDomains,
    ICredentialVerifier credentials,
    IActorRef authFailures,
    IActorRef grants,
    FactRecorder facts,
    string node)
{
    public static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    /// <param name="whenVerified">what the protocol does with verified credentials before the login counts as
    /// succeeded (POP3: take the mailbox lock, earn the grant); its outcome is the login's.</param>
    public async Task<LoginOutcome> AuthenticateAsync(LoginAttempt attempt, Func<string, Task<LoginOutcome>>? whenVerified = null)
    {
        var name = AccountName.Normalize(attempt.Name, localDomains);
        var counted = name ?? Printable(attempt.Name).ToLowerInvariant();
        var outcome = await DecideAsync(attempt, name, counted, whenVerified);
        facts.Record(outcome is LoginOutcome.Succeeded succeeded
            ? new AuthSucceeded(attempt.Client.ToString(), succeeded.Account, attempt.Listener, MechanismNames.Of(attempt.Mechanism),
                attempt.Rule, ZoneNames.Of(attempt.Zone), node, DateTime.UtcNow)
            : new AuthFailed(attempt.Client.ToString(), AccountOf(outcome) ?? counted, attempt.Listener, MechanismNames.Of(attempt.Mechanism),
                attempt.Rule, ZoneNames.Of(attempt.Zone), outcome.FailureReason, node, DateTime.UtcNow));
        return outcome;
    }

    private async Task<LoginOutcome> DecideAsync(LoginAttempt attempt, string? name, string counted, Func<string, Task<LoginOutcome>>? whenVerified)
    {
        var address = attempt.Client.ToString();
        try
        {
            var verdict = await authFailures.Ask<AuthFailureProtocol.Verdict>(new AuthFailureProtocol.Check(address, counted), AskTimeout);
            if (verdict.Blocked) return LoginOutcome.Blocked.Instance;

            var check = name is null ? CredentialCheck.Invalid.Instance
                : attempt.Mechanism == Mechanism.Apop ? await credentials.VerifyApopAsync(name, attempt.ApopTimestamp ?? "", attempt.Secret)
                : await credentials.VerifyPasswordAsync(name, attempt.Secret);
            switch (check)
            {
                case CredentialCheck.Valid valid:
                    return whenVerified is null ? new LoginOutcome.Succeeded(valid.Account) : await whenVerified(valid.Account);
                case CredentialCheck.Disabled disabled:
                    return new LoginOutcome.Disabled(disabled.Account);
                case CredentialCheck.Unavailable unavailable:
                    return new LoginOutcome.Unavailable(unavailable.Why);
            }

            var delay = await authFailures.Ask<AuthFailureProtocol.Delay>(new AuthFailureProtocol.Failed(address, counted), AskTimeout);
            if (delay.AccountBlocked && name is not null)
                grants.Tell(new GrantLedgerProtocol.RevokeAccount(name, "brute-force block of the account"));
            if (delay.AddressBlocked)
                grants.Tell(new GrantLedgerProtocol.RevokeAddress(address, "brute-force block of the address"));
            await Task.Delay(delay.Wait);
            return LoginOutcome.WrongCredentials.Instance;
        }
        catch (Exception e)
        {
            facts.Fault($"{attempt.Listener} {address}", "login", e);
            return new LoginOutcome.Unavailable(e.Message);
        }
    }

    private static string? AccountOf(LoginOutcome outcome) => outcome switch
    {
        LoginOutcome.Disabled d => d.Account,
        LoginOutcome.InUse u => u.Account,
        _ => null,
    };

    /// <summary>A name as a client gave it, fit for a log line or an audit row.</summary>
    public static string Printable(string text) =>
        new(text.Where(ch => ch is >= ' ' and < '\x7f').Take(64).ToArray());
}
