using Akka.Persistence.Journal;
using MailActors.Grants;

namespace MailActors.Serialization;

/// <summary>Tags persisted events by subject, so queries (the audit journal) can read one kind across streams.</summary>
public sealed class EventTagger : IWriteEventAdapter
{
    public string Manifest(object evt) => string.Empty;

    public object ToJournal(object evt) => evt switch
    {
        IGrantEvent => new Tagged(evt, [GrantLedgerActor.Tag]),
        _ => evt,
    };
}
