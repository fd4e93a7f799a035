namespace MailActors.Authentication;

/// <summary>What a credential store (the local table, or a directory) says about a name and a secret.</summary>
public abstract record CredentialCheck
{
    public sealed record Valid(string Account) : CredentialCheck;

    /// <summary>A wrong secret, or no such account: the two are never told apart (docs/spec.md §5).</summary>
    public sealed record Invalid : CredentialCheck
    {
        public static readonly Invalid Instance = new();
    }

    /// <summary>The secret was right, but the account is disabled.</summary>
    public sealed record Disabled(string Account) : CredentialCheck;

    /// <summary>The store did not answer: a temporary failure, never a wrong-password count.</summary>
    public sealed record Unavailable(string Why) : CredentialCheck;
}

/// <summary>Checks login passwords and APOP digests; the local account table implements it, and so can a directory.</summary>
public interface ICredentialVerifier
{
    Task<CredentialCheck> VerifyPasswordAsync(string account, string password);

    Task<CredentialCheck> VerifyApopAsync(string account, string timestamp, string digest);
}
