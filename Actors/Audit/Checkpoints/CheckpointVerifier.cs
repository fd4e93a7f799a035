namespace MailActors.Audit;

/// <summary>
/// Holds the journal to its signed checkpoints (docs/spec.md §8): a stream that ends below a checkpointed sequence
/// number was cut; a checkpointed stream that is not there was deleted; a checkpointed sequence number whose hash
/// differs, or that is gone, was rewritten. Only checkpoints whose signature holds (and, with trusted keys given,
/// whose key is one of them) count; the others are findings themselves. Streams are fed one at a time, in sequence
/// order, so the journal is never held in memory: only the checkpoints' claims are.
/// </summary>
public sealed class CheckpointVerifier
{
    private readonly Dictionary<string, List<(StreamHead Head, SignedCheckpoint From)>> _claims = new(StringComparer.Ordinal);
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly List<string> _checkpointFindings = [];

    public int Trusted { get; private set; }
    public HashSet<string> Keys { get; } = [];

    /// <param name="trustedKeys">base64 SubjectPublicKeyInfo of the keys to trust; null: any key whose signature holds.</param>
    public CheckpointVerifier(IEnumerable<(SignedCheckpoint? Checkpoint, int Line, string? Error)> lines, IReadOnlySet<string>? trustedKeys)
    {
        foreach (var (checkpoint, line, error) in lines)
        {
            if (checkpoint is null)
                _checkpointFindings.Add($"BAD CHECKPOINT: line {line}: not a checkpoint ({error})");
            else if (!checkpoint.SignatureHolds)
                _checkpointFindings.Add($"BAD CHECKPOINT: line {line}, {checkpoint.Describe()}: its signature does not verify");
            else if (trustedKeys is not null && !trustedKeys.Contains(checkpoint.Checkpoint.Key))
                _checkpointFindings.Add($"UNTRUSTED CHECKPOINT: line {line}, {checkpoint.Describe()}: signed by a key not given with --key");
            else
            {
                Trusted++;
                Keys.Add(checkpoint.Checkpoint.Key);
                foreach (var head in checkpoint.Checkpoint.Streams.Where(h => h.Seq > 0)) // an empty stream vouches for nothing
                {
                    if (!_claims.TryGetValue(head.Stream, out var list)) _claims[head.Stream] = list = [];
                    list.Add((head, checkpoint));
                }
            }
        }
        foreach (var list in _claims.Values) list.Sort((a, b) => a.Head.Seq.CompareTo(b.Head.Seq));
    }

    /// <summary>Checkpoint lines that are unreadable, badly signed or signed by an untrusted key.</summary>
    public IReadOnlyList<string> CheckpointFindings => _checkpointFindings;

    /// <summary>Checks one stream's entries (in sequence order) against every claim about it.</summary>
    public IEnumerable<string> Verify(string stream, IEnumerable<AuditEntry> entries)
    {
        var check = Begin(stream);
        foreach (var entry in entries) check.Observe(entry);
        return check.End();
    }

    /// <summary>A check of one stream fed as its entries go by: <see cref="StreamCheck.Observe"/> each, then <see cref="StreamCheck.End"/>.</summary>
    public StreamCheck Begin(string stream)
    {
        _seen.Add(stream);
        return new StreamCheck(stream, _claims.GetValueOrDefault(stream) ?? []);
    }

    public sealed class StreamCheck(string stream, List<(StreamHead Head, SignedCheckpoint From)> claims)
    {
        private int _next;
        private long _count, _last;
        private string? _firstRewrite;
        private int _rewrites;

        public void Observe(AuditEntry entry)
        {
            _count++;
            _last = entry.SequenceNr;
            for (; _next < claims.Count && claims[_next].Head.Seq <= entry.SequenceNr; _next++)
            {
                var (head, from) = claims[_next];
                var problem = head.Seq < entry.SequenceNr
                    ? $"REWRITTEN: stream {stream}, sequence {head.Seq} is gone, but {from.Describe()} (line {from.Line}) signed it"
                    : entry.Link?.Hash != head.Hash
                        ? $"REWRITTEN: stream {stream}, sequence {head.Seq}: hash {Short(entry.Link?.Hash)} is not {Short(head.Hash)}, " +
                          $"signed in {from.Describe()} (line {from.Line})"
                        : _count != head.Count
                            ? $"REWRITTEN: stream {stream} holds {_count} events up to sequence {head.Seq}, " +
                              $"but {from.Describe()} (line {from.Line}) counted {head.Count}"
                            : null;
                if (problem is null) continue;
                _firstRewrite ??= problem; // the first claim that fails says where the rewrite began; the later ones repeat it
                _rewrites++;
            }
        }

        public IEnumerable<string> End()
        {
            if (_firstRewrite is not null) yield return _firstRewrite + More(_rewrites - 1);
            if (_next < claims.Count)
            {
                var (head, from) = claims[^1];
                yield return $"CUT: stream {stream} ends at sequence {_last} ({_count} events), but {from.Describe()} (line {from.Line}) " +
                             $"signed sequence {head.Seq}, {head.Count} events" + More(claims.Count - _next - 1);
            }
        }
    }

    /// <summary>After every stream in the journal went through <see cref="Verify"/>: the checkpointed streams that are not there.</summary>
    public IEnumerable<string> Deleted()
    {
        foreach (var (stream, claims) in _claims.Where(c => !_seen.Contains(c.Key)).OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            var (head, from) = claims[^1];
            yield return $"DELETED: stream {stream} is not in the journal, but {from.Describe()} (line {from.Line}) " +
                         $"signed sequence {head.Seq}, {head.Count} events" + More(claims.Count - 1);
        }
    }

    private static string More(int others) => others > 0 ? $" (and {others} more checkpoint(s) say so)" : "";

    private static string Short(string? hash) => hash is null ? "(unreadable)" : hash[..Math.Min(12, hash.Length)] + "…";
}
