using System.Text.Json.Nodes;
using MailActors.Serialization;

namespace MailActors.Audit;

/// <summary>One stored event of an audit stream as read back: where it sits, and what it holds (or why it cannot be read).</summary>
public sealed record AuditEntry(string Stream, long SequenceNr, Chained? Link, string? ReadError = null)
{
    public string Kind => Link is null ? "unreadable" : FactCodec.KindOf(Link.Manifest);

    /// <summary>The fact's own fields, as stored (snake_case).</summary>
    public JsonObject Fields() => Link is null ? new JsonObject() : JsonNode.Parse(Link.FactJson)!.AsObject();

    public DateTime At => Link?.Fact switch
    {
        IAuditFact f => f.At,
        Grants.IGrantEvent g => g.At,
        _ => DateTime.MinValue,
    };

    public string Node => Link?.Fact switch
    {
        IAuditFact f => f.Node,
        Grants.IGrantEvent g => g.Node,
        _ => "",
    };
}
