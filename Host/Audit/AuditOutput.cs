using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MailActors.Audit;

namespace MailActors.Host.Audit;

/// <summary>How <c>mailactors audit</c> prints facts: JSON lines (docs/spec.md §8) or an aligned table for people.</summary>
public static class AuditOutput
{
    private static readonly string[] Leading = ["address", "account"];
    /// <summary>Message-IDs and addresses print as they are (<c>&lt;id@host&gt;</c>, not <c>\u003Cid@host\u003E</c>).</summary>
    public static readonly JsonSerializerOptions Compact = new()
    {
        WriteIndented = false,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Time(DateTime utc) => utc.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    /// <summary>One JSON object: <c>time</c>, <c>kind</c>, <c>node</c>, where it is stored, then the fact's own fields.</summary>
    public static string Json(AuditEntry entry)
    {
        var line = new JsonObject
        {
            ["time"] = Time(entry.At),
            ["kind"] = entry.Kind,
            ["node"] = entry.Node,
            ["stream"] = entry.Stream,
            ["seq"] = entry.SequenceNr,
            ["hash"] = entry.Link?.Hash,
        };
        foreach (var (name, value) in entry.Fields())
            if (name is not ("at" or "node")) line[name] = value?.DeepClone();
        return line.ToJsonString(Compact);
    }

    public static string TableHeader => Row("TIME", "KIND", "NODE", "ADDRESS", "ACCOUNT", "DETAILS");

    public static string Table(AuditEntry entry)
    {
        var fields = entry.Fields();
        var address = Text(fields["address"]) ?? Text(fields["key"]) ?? "-";
        var details = fields.Where(f => f.Key is not ("at" or "node" or "address" or "account" or "key") && f.Value is not null)
            .Select(f => $"{f.Key}={Text(f.Value)}");
        return Row(Time(entry.At), entry.Kind, ShortNode(entry.Node), address, Text(fields["account"]) ?? "-", string.Join(" ", details));
    }

    private static string Row(string time, string kind, string node, string address, string account, string details) =>
        $"{time,-24} {kind,-15} {node,-22} {address,-22} {account,-12} {details}".TrimEnd();

    /// <summary><c>akka.tcp://mailactors@10.0.0.5:4053</c> reads as <c>10.0.0.5:4053</c>.</summary>
    public static string ShortNode(string node) => node.StartsWith("akka", StringComparison.Ordinal) ? node[(node.LastIndexOf('@') + 1)..] : node;

    private static string? Text(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => node.ToJsonString(),
    };
}
