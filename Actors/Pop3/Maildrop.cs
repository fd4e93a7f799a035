using System.Collections.Immutable;
using MailActors.Storage;

namespace MailActors.Pop3;

/// <summary>
/// The messages a session sees, numbered from 1 as at login, and those it has marked for deletion.
/// Marks take effect only at QUIT (RFC 1939 UPDATE state).
/// </summary>
public sealed record Maildrop(IReadOnlyList<StoredMessageInfo> Messages, ImmutableHashSet<int> Deleted)
{
    public static Maildrop Of(IReadOnlyList<StoredMessageInfo> messages) => new(messages, ImmutableHashSet<int>.Empty);

    public IEnumerable<(int Number, StoredMessageInfo Message)> Live =>
        Messages.Select((m, i) => (Number: i + 1, Message: m)).Where(x => !Deleted.Contains(x.Number));

    public int Count => Messages.Count - Deleted.Count;

    public long Size
    {
        get
        {
            long size = 0;
            for (var i = 0; i < Messages.Count; i++)
                if (Deleted.IsEmpty || !Deleted.Contains(i + 1)) size += Messages[i].Size;
            return size;
        }
    }

    public bool Exists(int number) => number >= 1 && number <= Messages.Count;

    public bool IsLive(int number) => Exists(number) && !Deleted.Contains(number);

    public StoredMessageInfo this[int number] => Messages[number - 1];

    public Maildrop Delete(int number) => this with { Deleted = Deleted.Add(number) };

    public Maildrop Reset() => this with { Deleted = ImmutableHashSet<int>.Empty };

    public IReadOnlyList<long> DeletedIds => Deleted.Select(n => this[n].Id).ToList();
}
