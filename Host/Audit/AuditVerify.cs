using System.Security.Cryptography;
using MailActors.Audit;
using MailActors.Host.Cli;

namespace MailActors.Host.Audit;

/// <summary>
/// <c>mailactors audit --verify [--checkpoints FILE] [--key PEM]...</c> (docs/spec.md §8): every stream's chain, and the
/// journal held to the signed checkpoints, in one pass over the journal, a stream at a time.
/// </summary>
public static class AuditVerify
{
    public static async Task<int> RunAsync(AuditJournal journal, string? checkpointFile, IReadOnlyList<string> keyFiles)
    {
        var trusted = keyFiles.Count == 0 ? null : keyFiles.Select(TrustedKey).ToHashSet();
        var checkpoints = checkpointFile is null ? null : new CheckpointVerifier(CheckpointFile.Read(checkpointFile), trusted);
        var broken = 0;
        void Report(string line)
        {
            broken++;
            Console.WriteLine(line);
        }

        long events = 0;
        var streams = await journal.StreamsAsync();
        foreach (var stream in streams)
        {
            var check = checkpoints?.Begin(stream);
            var entries = journal.ReadAsync(stream).ToBlockingEnumerable().Select(e =>
            {
                events++;
                check?.Observe(e);
                return e;
            });
            foreach (var finding in ChainVerifier.Verify(stream, entries)) Report(finding.ToString());
            foreach (var finding in check?.End() ?? []) Report(finding);
        }
        if (checkpoints is not null)
        {
            foreach (var finding in checkpoints.Deleted()) Report(finding);
            foreach (var finding in checkpoints.CheckpointFindings) Report(finding);
        }
        if (broken > 0) return 1;
        Console.WriteLine($"OK: {events} events in {streams.Count} streams");
        if (checkpoints is not null)
            Console.WriteLine($"checkpoints: {checkpoints.Trusted} from {checkpointFile}, signed by {checkpoints.Keys.Count} key(s), all hold");
        return 0;
    }

    /// <summary>A <c>--key</c> file: a public key in PEM (what <c>audit key</c> prints), as checkpoints name it.</summary>
    private static string TrustedKey(string file)
    {
        try
        {
            using var key = ECDsa.Create();
            key.ImportFromPem(File.ReadAllText(file));
            return AuditSigningKey.PublicKeyBase64(key);
        }
        catch (Exception e) when (e is IOException or ArgumentException or CryptographicException or UnauthorizedAccessException)
        {
            throw new CliError($"--key {file}: not an ECDSA public key in PEM ({e.Message.Split('\n')[0]})");
        }
    }
}
