using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using MailActors.Serialization;

namespace MailActors.Audit;

/// <summary>
/// A persisted fact with its link in its stream's hash chain (docs/spec.md §8): <see cref="Hash"/> is SHA-256 over the
/// predecessor's hash, the fact's manifest and its canonical JSON bytes, so a changed, removed or reordered
/// row no longer links. What is hashed is exactly what is stored (<see cref="FactJson"/>).
/// </summary>
public sealed record Chained(object Fact, string Manifest, byte[] FactJson, string Prev, string Hash)
{
    /// <summary>The predecessor of a stream's first event.</summary>
    public static readonly string Genesis = new('0', 64);

    public static Chained After(string prev, object fact)
    {
        var manifest = FactCodec.ManifestOf(fact);
        var json = FactCodec.Encode(fact);
        return new Chained(fact, manifest, json, prev, HashOf(prev, manifest, json));
    }

    /// <summary>Does the stored hash match the stored contents?</summary>
    public bool IsIntact => Hash == HashOf(Prev, Manifest, FactJson);

    public static string HashOf(string prev, string manifest, ReadOnlySpan<byte> factJson)
    {
        // one buffer and a one-shot hash: the auditor hashes every row of the journal
        var buffer = ArrayPool<byte>.Shared.Rent(prev.Length + manifest.Length + 2 + factJson.Length);
        try
        {
            var length = Encoding.ASCII.GetBytes(prev, buffer);
            buffer[length++] = (byte)'\n';
            length += Encoding.ASCII.GetBytes(manifest, buffer.AsSpan(length));
            buffer[length++] = (byte)'\n';
            factJson.CopyTo(buffer.AsSpan(length));
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(buffer.AsSpan(0, length + factJson.Length), hash);
            return Convert.ToHexStringLower(hash);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

/// <summary>The head of one stream's chain, as its writer keeps it.</summary>
public sealed class HashChain
{
    public string Head { get; private set; } = Chained.Genesis;

    /// <summary>Links the next fact; call in persist order.</summary>
    public Chained Link(object fact)
    {
        var link = Chained.After(Head, fact);
        Head = link.Hash;
        return link;
    }

    /// <summary>Recovery: the stream's last stored link.</summary>
    public void ResumeAfter(string hash) => Head = hash;
}
