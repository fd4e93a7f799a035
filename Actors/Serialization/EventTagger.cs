using System.Collections.Immutable;
using Akka.Persistence.Journal;
using MailActors.Audit;
using MailActors.Grants;

namespace MailActors.Serialization;

/// <summary>
/// Tags persisted facts so that queries can read one kind across streams: every fact with its kind
/// (<c>relay-accepted</c>, …); the grant ledger's events also <c>grant</c>. (They are kept in the fact's journal row,
/// <c>tag-write-mode = Csv</c> in hocon/akka.conf.)
/// </summary>
public sealed class EventTagger : IWriteEventAdapter
{
    public string Manifest(object evt) => string.Empty;

    public object ToJournal(object evt) => evt switch
    {
        Chained { Fact: IGrantEvent } c => new Tagged(c, ImmutableHashSet.Create(FactCodec.KindOf(c.Manifest), GrantLedgerActor.Tag)),
        Chained c => new Tagged(c, ImmutableHashSet.Create(FactCodec.KindOf(c.Manifest))),
        _ => evt,
    };
}
