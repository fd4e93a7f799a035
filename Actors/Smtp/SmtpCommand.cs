namespace MailActors.Smtp;

/// <summary>An SMTP command as the client sent it, parsed (RFC 5321 §4.1, RFC 3207, RFC 4954).</summary>
public abstract record SmtpCommand
{
    public sealed record Helo(string Domain) : SmtpCommand;
    public sealed record Ehlo(string Domain) : SmtpCommand;
    /// <param name="Sender">the reverse-path; empty for the null sender &lt;&gt;.</param>
    public sealed record Mail(string Sender, long? Size) : SmtpCommand;
    public sealed record Rcpt(SmtpAddress Recipient) : SmtpCommand;
    public sealed record Data : SmtpCommand;
    public sealed record Rset : SmtpCommand;
    public sealed record Noop : SmtpCommand;
    public sealed record Quit : SmtpCommand;
    public sealed record Vrfy : SmtpCommand;
    public sealed record Expn : SmtpCommand;
    public sealed record Help : SmtpCommand;
    public sealed record StartTls : SmtpCommand;
    public sealed record Auth(string Mechanism, string? InitialResponse) : SmtpCommand;
    public sealed record Unknown(string Verb) : SmtpCommand;
    /// <summary>A known verb with bad arguments; <paramref name="Reply"/> is the complete reply line.</summary>
    public sealed record Malformed(string Reply) : SmtpCommand;
}
