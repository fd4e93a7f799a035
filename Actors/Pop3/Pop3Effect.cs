using MailActors.Policy;
using MailActors.Storage;

namespace MailActors.Pop3;

/// <summary>What the session actor must carry out after a step of the state machine.</summary>
public abstract record Pop3Effect
{
    /// <summary>Write these lines (CRLF-terminated) to the client.</summary>
    public sealed record Reply(string Text) : Pop3Effect;

    /// <summary>Read the message and send it as a multi-line response; all of it, or its headers and the first <paramref name="TopLines"/> body lines.</summary>
    public sealed record SendMessage(StoredMessageInfo Message, int? TopLines) : Pop3Effect;

    /// <summary>A message went out in full (RETR): the session's audit fact lists it (docs/spec.md §8).</summary>
    public sealed record Retrieved(string Uidl, string? MessageId) : Pop3Effect;

    /// <summary>Check credentials and lock the maildrop; answer with <see cref="Pop3Machine.LoginSucceeded"/> or <see cref="Pop3Machine.LoginFailed"/>.</summary>
    public sealed record Login(Mechanism Mechanism, string Name, string Secret, string Rule) : Pop3Effect;

    /// <summary>The policy refused this login mechanism here (docs/spec.md §8: an audited fact). <paramref name="Name"/>: the user name given, if any.</summary>
    public sealed record PolicyRefused(Mechanism Mechanism, string Rule, string? Name) : Pop3Effect;

    /// <summary>Write the reply, then negotiate TLS; discard whatever the client sent meanwhile.</summary>
    public sealed record StartTls(string ReadyReply) : Pop3Effect;

    /// <summary>UPDATE state: remove the deleted messages, say goodbye, close.</summary>
    public sealed record Commit(string Account, IReadOnlyList<long> DeletedIds) : Pop3Effect;

    /// <summary>Close the connection after what was written.</summary>
    public sealed record Close(string Outcome) : Pop3Effect;
}

public sealed record Pop3Step(Pop3State State, IReadOnlyList<Pop3Effect> Effects)
{
    public Pop3Step(Pop3State state, params Pop3Effect[] effects) : this(state, (IReadOnlyList<Pop3Effect>)effects) { }
}
