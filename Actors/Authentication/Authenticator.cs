using Akka.Actor;
using MailActors.Accounts;
using MailActors.Audit;
using MailActors.AuthFailures;
using MailActors.Grants;
using MailActors.Policy;
using MailActors.Sessions;

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
    /// <param name="durably">wait until the login's fact is persisted before answering (the web login, whose next page
    /// lists the user's logins and must show this one).</param>
    public async Task<LoginOutcome> AuthenticateAsync(LoginAttempt attempt, Func<string, Task<LoginOutcome>>? whenVerified = null,
        bool durably = false)
    {
        var name = AccountName.Normalize(attempt.Name, localDomains);
        var counted = name ?? Printable(attempt.Name).ToLowerInvariant();
        var outcome = await DecideAsync(attempt, name, counted, whenVerified);
        IAuditFact fact = outcome is LoginOutcome.Succeeded succeeded
            ? new AuthSucceeded(attempt.Client.ToString(), succeeded.Account, attempt.Listener, MechanismNames.Of(attempt.Mechanism),
                attempt.Rule, ZoneNames.Of(attempt.Zone), node, DateTime.UtcNow)
            : new AuthFailed(attempt.Client.ToString(), AccountOf(outcome) ?? counted, attempt.Listener, MechanismNames.Of(attempt.Mechanism),
                attempt.Rule, ZoneNames.Of(attempt.Zone), outcome.FailureReason, node, DateTime.UtcNow);
        if (!durably) facts.Record(fact);
        else
            try
            {
                await facts.RecordDurablyAsync(fact);
            }
            catch (Exception e)
            {
                facts.Fault($"{attempt.Listener} {attempt.Client}", "audit record of the login", e);
            }
        return outcome;
    }

    private async Task<LoginOutcome> DecideAsync(LoginAttempt attempt, string? name, string counted, Func<string, Task<LoginOutcome>>? whenVerified)
    {
        var address = attempt.Client.ToString();
        var key = ClientKey.Of(attempt.Client); // docs/spec.md §14: an IPv6 client counts per /64
        try
        {
            // docs/spec.md §14: the attempt is counted before the secret is checked, so parallel guesses cannot outrun the limits.
            var reservation = await authFailures.Ask<AuthFailureProtocol.Reservation>(new AuthFailureProtocol.Reserve(key, counted), AskTimeout);
            if (reservation.Busy) return new LoginOutcome.Unavailable("too many logins in flight from this address or to this account");
            if (reservation.Id is not { } id) return LoginOutcome.Blocked.Instance;

            CredentialCheck check;
            try
            {
                check = name is null ? CredentialCheck.Invalid.Instance
                    : attempt.Mechanism == Mechanism.Apop ? await credentials.VerifyApopAsync(name, attempt.ApopTimestamp ?? "", attempt.Secret)
                    : await credentials.VerifyPasswordAsync(name, attempt.Secret);
            }
            catch (Exception)
            {
                authFailures.Tell(new AuthFailureProtocol.Settle(id, key, counted, AttemptResult.Released));
                throw;
            }
            switch (check)
            {
                case CredentialCheck.Valid valid:
                    authFailures.Tell(new AuthFailureProtocol.Settle(id, key, counted, AttemptResult.Succeeded));
                    return whenVerified is null ? new LoginOutcome.Succeeded(valid.Account) : await whenVerified(valid.Account);
                case CredentialCheck.Disabled disabled:
                    authFailures.Tell(new AuthFailureProtocol.Settle(id, key, counted, AttemptResult.Released));
                    return new LoginOutcome.Disabled(disabled.Account);
                case CredentialCheck.Unavailable unavailable:
                    authFailures.Tell(new AuthFailureProtocol.Settle(id, key, counted, AttemptResult.Released));
                    return new LoginOutcome.Unavailable(unavailable.Why);
            }

            var settled = await authFailures.Ask<AuthFailureProtocol.Settled>(
                new AuthFailureProtocol.Settle(id, key, counted, AttemptResult.Failed), AskTimeout);
            if (settled.AccountBlocked && name is not null)
                grants.Tell(new GrantLedgerProtocol.RevokeAccount(name, "brute-force block of the account"));
            if (settled.AddressBlocked)
                grants.Tell(new GrantLedgerProtocol.RevokeAddress(address, "brute-force block of the address"));
            await Task.Delay(settled.Wait);
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
