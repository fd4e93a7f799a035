using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using MailActors.Audit;

namespace MailActors.Tests.Audit;

/// <summary>Signed checkpoints (docs/spec.md §8) with plain values: their form, their signature, and what they catch.</summary>
public sealed class CheckpointTests : IDisposable
{
    private static readonly DateTime T0 = new(2026, 11, 27, 10, 40, 0, DateTimeKind.Utc);
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly string _dir = Directory.CreateTempSubdirectory("mailactors-checkpoint-").FullName;

    public void Dispose()
    {
        _key.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static List<AuditEntry> Stream(string name, int events)
    {
        var chain = new HashChain();
        return Enumerable.Range(1, events).Select(i => new AuditEntry(name, i, chain.Link(
            new AdminChanged("user add", "u" + i, "root", "node-a", T0.AddSeconds(i))))).ToList();
    }

    private static StreamHead HeadOf(List<AuditEntry> stream, int seq) => new(stream[0].Stream, seq, stream[seq - 1].Link!.Hash, seq);

    private CheckpointVerifier Verifier(IReadOnlySet<string>? trusted, params string[] lines) =>
        new(lines.Select((l, i) => (SignedCheckpoint.Parse(i + 1, l, out var error), i + 1, error)), trusted);

    [Fact]
    public void A_checkpoint_is_one_json_line_in_the_documented_shape()
    {
        var stream = Stream("audit-a", 3);
        var line = Checkpoint.Sign(T0, "node-a", [HeadOf(stream, 3)], _key);
        Assert.DoesNotContain('\n', line);
        Assert.StartsWith($"{{\"checkpoint\":{{\"time\":\"2026-11-27T10:40:00.000Z\",\"node\":\"node-a\",\"key\":\"{Convert.ToBase64String(_key.ExportSubjectPublicKeyInfo())}\"," +
                          $"\"streams\":[{{\"stream\":\"audit-a\",\"seq\":3,\"hash\":\"{stream[2].Link!.Hash}\",\"count\":3}}]}},\"sig\":\"", line);
        var parsed = SignedCheckpoint.Parse(1, line, out _)!;
        Assert.True(parsed.SignatureHolds);
        Assert.Equal(HeadOf(stream, 3), Assert.Single(parsed.Checkpoint.Streams));
    }

    [Fact]
    public async Task Openssl_verifies_the_signature_over_the_checkpoint_member_as_written()
    {
        var line = Checkpoint.Sign(T0, "node-a", [HeadOf(Stream("audit-a", 2), 2)], _key);
        var member = line["{\"checkpoint\":".Length..line.IndexOf(",\"sig\":\"", StringComparison.Ordinal)];
        var sig = line[(line.IndexOf(",\"sig\":\"", StringComparison.Ordinal) + 8)..^2];
        File.WriteAllText(Path.Combine(_dir, "member"), member);
        File.WriteAllBytes(Path.Combine(_dir, "sig.der"), Convert.FromBase64String(sig));
        File.WriteAllText(Path.Combine(_dir, "key.pem"), AuditSigningKey.PublicKeyPem(_key));

        Assert.Equal((0, "Verified OK"), await OpensslVerifyAsync());
        File.WriteAllText(Path.Combine(_dir, "member"), member.Replace("\"seq\":2", "\"seq\":1"));
        Assert.Equal((1, "Verification failure"), await OpensslVerifyAsync());
    }

    private async Task<(int, string)> OpensslVerifyAsync()
    {
        var start = new ProcessStartInfo("openssl", ["dgst", "-sha256", "-verify", "key.pem", "-signature", "sig.der", "member"])
        {
            WorkingDirectory = _dir, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var openssl = Process.Start(start)!;
        var output = await openssl.StandardOutput.ReadToEndAsync();
        await openssl.WaitForExitAsync();
        return (openssl.ExitCode, output.Trim());
    }

    [Fact]
    public void A_changed_line_or_a_foreign_key_does_not_count()
    {
        var stream = Stream("audit-a", 3);
        var line = Checkpoint.Sign(T0, "node-a", [HeadOf(stream, 3)], _key);
        var forged = line.Replace("\"seq\":3", "\"seq\":2");
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var foreign = Checkpoint.Sign(T0, "node-b", [HeadOf(stream, 3)], other);

        var verifier = Verifier(new HashSet<string> { AuditSigningKey.PublicKeyBase64(_key) }, line, forged, foreign, "not json");
        Assert.Equal(1, verifier.Trusted);
        Assert.Collection(verifier.CheckpointFindings,
            f => Assert.Equal("BAD CHECKPOINT: line 2, the checkpoint of 2026-11-27T10:40:00.000Z by node-a: its signature does not verify", f),
            f => Assert.Equal("UNTRUSTED CHECKPOINT: line 3, the checkpoint of 2026-11-27T10:40:00.000Z by node-b: signed by a key not given with --key", f),
            f => Assert.StartsWith("BAD CHECKPOINT: line 4: not a checkpoint", f));
        Assert.Empty(verifier.Verify("audit-a", stream));
    }

    [Fact]
    public void A_stream_that_grew_after_its_checkpoints_holds()
    {
        var stream = Stream("audit-a", 5);
        var verifier = Verifier(null, Checkpoint.Sign(T0, "n", [HeadOf(stream, 2)], _key), Checkpoint.Sign(T0, "n", [HeadOf(stream, 4)], _key));
        Assert.Empty(verifier.Verify("audit-a", stream));
        Assert.Empty(verifier.Deleted());
    }

    [Fact]
    public void A_cut_tail_names_the_checkpoint_that_saw_further()
    {
        var stream = Stream("grant-ledger", 5);
        var verifier = Verifier(null, Checkpoint.Sign(T0, "n", [HeadOf(stream, 2)], _key), Checkpoint.Sign(T0.AddMinutes(5), "n", [HeadOf(stream, 5)], _key));
        var finding = Assert.Single(verifier.Verify("grant-ledger", stream.Take(3)));
        Assert.Equal("CUT: stream grant-ledger ends at sequence 3 (3 events), but the checkpoint of 2026-11-27T10:45:00.000Z by n (line 2) " +
                     "signed sequence 5, 5 events", finding);
    }

    [Fact]
    public void A_deleted_stream_is_named()
    {
        var stream = Stream("audit-b", 2);
        var verifier = Verifier(null, Checkpoint.Sign(T0, "n", [HeadOf(stream, 2)], _key));
        Assert.Empty(verifier.Verify("audit-a", Stream("audit-a", 1)));
        Assert.Equal(["DELETED: stream audit-b is not in the journal, but the checkpoint of 2026-11-27T10:40:00.000Z by n (line 1) signed sequence 2, 2 events"],
            verifier.Deleted());
    }

    [Fact]
    public void A_history_rewritten_from_an_edited_row_is_caught_at_the_first_checkpoint_after_the_edit()
    {
        var stream = Stream("audit-a", 6);
        var lines = new[] { 2, 4, 6 }.Select(seq => Checkpoint.Sign(T0.AddMinutes(seq), "n", [HeadOf(stream, seq)], _key)).ToArray();
        // row 3 edited, then every later hash recomputed: the chain holds, so only the checkpoints can tell
        var chain = new HashChain();
        chain.ResumeAfter(stream[1].Link!.Hash);
        var rewritten = stream.Take(2).Concat(stream.Skip(2).Select((e, i) => e with
        {
            Link = chain.Link(i == 0 ? new AdminChanged("user del", "u3", "root", "node-a", T0) : e.Link!.Fact),
        })).ToList();
        Assert.Empty(ChainVerifier.Verify("audit-a", rewritten));

        var finding = Assert.Single(Verifier(null, lines).Verify("audit-a", rewritten));
        Assert.StartsWith($"REWRITTEN: stream audit-a, sequence 4: hash {rewritten[3].Link!.Hash[..12]}… is not {stream[3].Link!.Hash[..12]}…, " +
                          "signed in the checkpoint of 2026-11-27T10:44:00.000Z by n (line 2)", finding);
        Assert.EndsWith("(and 1 more checkpoint(s) say so)", finding);
    }

    [Fact]
    public void A_removed_checkpointed_row_is_named()
    {
        var stream = Stream("audit-a", 4);
        var verifier = Verifier(null, Checkpoint.Sign(T0, "n", [HeadOf(stream, 2)], _key));
        var finding = Assert.Single(verifier.Verify("audit-a", [stream[0], stream[2], stream[3]]));
        Assert.Equal("REWRITTEN: stream audit-a, sequence 2 is gone, but the checkpoint of 2026-11-27T10:40:00.000Z by n (line 1) signed it", finding);
    }

    [Fact]
    public void The_signing_key_is_created_once_with_mode_0600_and_then_reused()
    {
        var path = Path.Combine(_dir, "keys", "audit-signing.pem");
        using var created = AuditSigningKey.LoadOrCreate(path);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        using var loaded = AuditSigningKey.LoadOrCreate(path);
        Assert.Equal(AuditSigningKey.PublicKeyBase64(created), AuditSigningKey.PublicKeyBase64(loaded));
        Assert.Contains("BEGIN PUBLIC KEY", AuditSigningKey.PublicKeyPem(loaded));
    }

    [Fact]
    public void The_checkpoint_file_is_created_with_mode_0600_and_appended_to()
    {
        var path = Path.Combine(_dir, "audit-checkpoints.jsonl");
        var first = Checkpoint.Sign(T0, "n", [], _key);
        var second = Checkpoint.Sign(T0.AddMinutes(5), "n", [], _key);
        CheckpointFile.Append(path, first);
        CheckpointFile.Append(path, second);
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal([first, second], File.ReadAllLines(path));
        Assert.All(CheckpointFile.Read(path), c => Assert.True(c.Checkpoint!.SignatureHolds));
    }
}
