namespace MailActors.Policy;

/// <summary>How a client proves who it is.</summary>
public enum Mechanism
{
    /// <summary>POP3 USER/PASS with the login password.</summary>
    UserPass,
    /// <summary>POP3 APOP with the separate APOP-only secret.</summary>
    Apop,
    /// <summary>SMTP relay because of where the client is (its zone), with no credentials.</summary>
    Network,
    /// <summary>SMTP relay under a POP-before-SMTP grant of the client's address.</summary>
    Grant,
    /// <summary>SMTP AUTH (PLAIN, LOGIN) with the login password.</summary>
    SmtpAuth,
}

public static class MechanismNames
{
    /// <summary>The name used in logs and the audit journal.</summary>
    public static string Of(Mechanism mechanism) => mechanism.ToString().ToLowerInvariant();
}

/// <summary>Whether the rule applies to a clear-text or a TLS-protected connection.</summary>
public enum Channel { Any, Clear, Tls }
