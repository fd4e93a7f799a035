namespace MailActors.Pop3;

/// <summary>The commands of RFC 1939, RFC 2449 (CAPA) and RFC 2595 (STLS), as parsed from one line.</summary>
public abstract record Pop3Command
{
    public sealed record User(string Name) : Pop3Command;
    public sealed record Pass(string Password) : Pop3Command;
    public sealed record Apop(string Name, string Digest) : Pop3Command;
    public sealed record Stls : Pop3Command;
    public sealed record Auth : Pop3Command;
    public sealed record Capa : Pop3Command;
    public sealed record Stat : Pop3Command;
    public sealed record List(int? Number) : Pop3Command;
    public sealed record Retr(int Number) : Pop3Command;
    public sealed record Top(int Number, int Lines) : Pop3Command;
    public sealed record Uidl(int? Number) : Pop3Command;
    public sealed record Dele(int Number) : Pop3Command;
    public sealed record Noop : Pop3Command;
    public sealed record Rset : Pop3Command;
    public sealed record Quit : Pop3Command;

    /// <summary>A known command with arguments that do not fit its grammar.</summary>
    public sealed record Malformed(string Verb, string Problem) : Pop3Command;
    public sealed record Unknown(string Verb) : Pop3Command;
}
