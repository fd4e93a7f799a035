namespace MailActors.Policy;

/// <summary>The five listeners of docs/spec.md §3.</summary>
public enum ListenerKind { Pop3, Pop3s, Apop, Smtp, Submission }

public static class ListenerNames
{
    /// <summary>The name used in configuration keys, logs and the audit journal.</summary>
    public static string Of(ListenerKind kind) => kind.ToString().ToLowerInvariant();
}
