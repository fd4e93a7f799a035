namespace MailActors.Smtp;

/// <summary>What the session actor must carry out after a step of <see cref="SmtpMachine"/>.</summary>
public abstract record SmtpEffect
{
    public sealed record Reply(string Text) : SmtpEffect;

    public sealed record Close(string Outcome) : SmtpEffect;

    /// <summary>Write the reply, then negotiate TLS; discard whatever the client pipelined meanwhile.</summary>
    public sealed record StartTls(string ReadyReply) : SmtpEffect;

    /// <summary>What does this local address reach (an account, an alias's expansion, a full mailbox)? Answer with <see cref="SmtpMachine.RecipientChecked"/>.</summary>
    public sealed record FindRecipient(SmtpAddress Address, string Account) : SmtpEffect;

    /// <summary>Ask the grant ledger whether a grant covers the client now; answer with <see cref="SmtpMachine.GrantChecked"/>.
    /// <paramref name="Recipient"/> is the relay recipient in question, or null for a submission MAIL.</summary>
    public sealed record CheckGrant(string Sender, SmtpAddress? Recipient) : SmtpEffect;

    /// <summary>Check the credentials; answer with <see cref="SmtpMachine.Authenticated"/>.</summary>
    public sealed record Authenticate(string User, string Password) : SmtpEffect;

    /// <summary>Relaying was refused (docs/spec.md §8: an audited fact). <paramref name="Recipient"/> is null for a submission MAIL.</summary>
    public sealed record RelayRefused(string Rule, string Reason, string Sender, SmtpAddress? Recipient) : SmtpEffect;

    /// <summary>Store every local copy and queue every relayed recipient in one transaction, within the node's
    /// <see cref="CommitBudget"/>; answer with <see cref="SmtpMachine.Stored"/> (or <see cref="SmtpMachine.CommitsBusy"/>).
    /// The body is the effect's to dispose.</summary>
    public sealed record Deliver(Envelope Envelope, SpooledBody Body) : SmtpEffect;
}

public sealed record SmtpStep(SmtpState State, IReadOnlyList<SmtpEffect> Effects)
{
    public SmtpStep(SmtpState state, params SmtpEffect[] effects) : this(state, (IReadOnlyList<SmtpEffect>)effects) { }
}
