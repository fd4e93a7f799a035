namespace MailActors.Policy;

/// <summary>The listeners of docs/spec.md §3: five mail listeners with DotNetty sessions, submission over implicit TLS, and the two web listeners.</summary>
public enum ListenerKind { Pop3, Pop3s, Apop, Smtp, Submission, Submissions, Web, Webs }

public static class ListenerNames
{
    /// <summary>The name used in configuration keys, logs and the audit journal.</summary>
    public static string Of(ListenerKind kind) => kind.ToString().ToLowerInvariant();

    /// <summary>587 and 465 (docs/spec.md §3): message submission, the same policy with or without implicit TLS.</summary>
    public static bool IsSubmission(this ListenerKind kind) => kind is ListenerKind.Submission or ListenerKind.Submissions;
}
