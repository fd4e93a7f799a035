namespace MailActors.Aliases;

/// <summary>What a local recipient address means at RCPT (docs/spec.md §4, §6).</summary>
public abstract record RecipientResolution
{
    /// <summary>Deliver to these accounts and relay to these remote addresses (an account alone: one account, no forwards).</summary>
    public sealed record Deliver(IReadOnlyList<string> Accounts, IReadOnlyList<string> Forwards) : RecipientResolution;

    /// <summary>No account, alias or catch-all takes this address (550 5.1.1).</summary>
    public sealed record Unknown : RecipientResolution;

    /// <summary>A mailbox it would reach is at or over its quota (452 4.2.2).</summary>
    public sealed record Full(string Account) : RecipientResolution;

    /// <summary>Only a disabled account would take it (550 5.2.1); an alias's disabled members are skipped when others remain.</summary>
    public sealed record Disabled(string Account) : RecipientResolution;

    /// <summary>The store did not answer (451 4.3.0).</summary>
    public sealed record Unavailable : RecipientResolution;
}
