namespace MailActors.Audit;

/// <summary>
/// Where a stream's writer stands, counting only what is durably stored: its last sequence number, that event's
/// hash and how many events the stream holds (docs/spec.md §8). What a checkpoint signs, one per stream.
/// </summary>
public sealed record StreamHead(string Stream, long Seq, string Hash, long Count)
{
    /// <summary>Asks a stream's writer (a node's <see cref="AuditWriter"/>, the grant ledger) for its <see cref="StreamHead"/>.</summary>
    public sealed class Get
    {
        public static readonly Get Instance = new();
    }
}
