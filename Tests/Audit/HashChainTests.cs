using System.Net;
using System.Text;
using Akka.Actor;
using MailActors.Audit;
using MailActors.Grants;
using MailActors.Serialization;

namespace MailActors.Tests.Audit;

/// <summary>The hash chain, its stored form and its verification, with plain values (docs/spec.md §8).</summary>
public sealed class HashChainTests : IDisposable
{
    private static readonly DateTime T0 = new(2026, 11, 27, 10, 40, 0, DateTimeKind.Utc);
    private readonly ActorSystem _system = ActorSystem.Create("chain-tests", "akka.loglevel = OFF");
    private MailActorsSerializer Serializer => new((ExtendedActorSystem)_system);

    public void Dispose() => _system.Terminate().Wait(TimeSpan.FromSeconds(10));

    private static AuthSucceeded Login(int minute, string account = "alice") =>
        new("203.0.113.9", account, "pop3s", "userpass", "outside-pop3s", "outside", "node-a", T0.AddMinutes(minute));

    private static List<AuditEntry> Stream(params IAuditFact[] facts)
    {
        var chain = new HashChain();
        return facts.Select((f, i) => new AuditEntry("audit-a", i + 1, chain.Link(f))).ToList();
    }

    /// <summary>What the journal hands back: the stored bytes, deserialized.</summary>
    private AuditEntry Stored(AuditEntry entry, Func<byte[], byte[]>? tamper = null)
    {
        var bytes = Serializer.ToBinary(entry.Link!);
        var back = (Chained)Serializer.FromBinary((tamper ?? (b => b))(bytes), Serializer.Manifest(entry.Link!));
        return entry with { Link = back };
    }

    [Fact]
    public void A_link_hashes_its_predecessor_its_manifest_and_its_exact_bytes()
    {
        var first = Chained.After(Chained.Genesis, Login(0));
        Assert.Matches("^[0-9a-f]{64}$", first.Hash);
        Assert.Equal(first.Hash, Chained.After(Chained.Genesis, Login(0)).Hash); // deterministic
        Assert.NotEqual(first.Hash, Chained.After(first.Hash, Login(0)).Hash); // the predecessor counts
        Assert.NotEqual(first.Hash, Chained.After(Chained.Genesis, Login(0, "bob")).Hash);
        Assert.True(first.IsIntact);
    }

    [Fact]
    public void Stored_form_is_the_facts_json_under_its_versioned_manifest_and_reads_back_intact()
    {
        var link = Stream(Login(0))[0].Link!;
        Assert.Equal("auth-succeeded.v1", Serializer.Manifest(link));
        var text = Encoding.UTF8.GetString(Serializer.ToBinary(link));
        Assert.StartsWith($"{{\"prev\":\"{Chained.Genesis}\",\"hash\":\"{link.Hash}\",\"fact\":{{\"address\":\"203.0.113.9\"", text);
        Assert.DoesNotContain("MailActors", text); // never a .NET type name

        var back = Stored(new AuditEntry("s", 1, link)).Link!;
        Assert.True(back.IsIntact);
        Assert.Equal(Login(0), back.Fact);
        Assert.Equal(link.Hash, back.Hash);
    }

    [Fact]
    public void A_snapshot_and_an_unknown_manifest()
    {
        var snapshot = new GrantLedgerSnapshot([new Grant("k", "k", "alice", "pop3s", "userpass", "n", T0, T0.AddMinutes(5))], "ab");
        var back = (GrantLedgerSnapshot)Serializer.FromBinary(Serializer.ToBinary(snapshot), Serializer.Manifest(snapshot));
        Assert.Equal(snapshot.LastHash, back.LastHash);
        Assert.Equal(snapshot.Grants, back.Grants);
        Assert.Throws<System.Runtime.Serialization.SerializationException>(() => Serializer.FromBinary("{}"u8.ToArray(), "mystery.v9"));
    }

    [Fact]
    public void An_untouched_stream_verifies()
    {
        var stream = Stream(Login(0), Login(1), Login(2)).Select(e => Stored(e));
        Assert.Empty(ChainVerifier.Verify("audit-a", stream));
    }

    [Fact]
    public void An_edited_row_is_named_by_its_sequence_number()
    {
        var stream = Stream(Login(0), Login(1), Login(2));
        stream[1] = Stored(stream[1], bytes => Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(bytes).Replace("alice", "mallo")));
        var finding = Assert.Single(ChainVerifier.Verify("audit-a", stream));
        Assert.Equal((2L, "audit-a"), (finding.SequenceNr, finding.Stream));
        Assert.Contains("do not match its hash", finding.Problem);
    }

    [Fact]
    public void A_row_whose_hash_was_recomputed_after_an_edit_breaks_the_next_link()
    {
        var stream = Stream(Login(0), Login(1), Login(2));
        var forged = Chained.After(stream[0].Link!.Hash, Login(1, "mallory"));
        stream[1] = stream[1] with { Link = forged };
        var finding = Assert.Single(ChainVerifier.Verify("audit-a", stream));
        Assert.Equal(3, finding.SequenceNr);
        Assert.Contains("does not follow its predecessor", finding.Problem);
    }

    [Fact]
    public void Removed_and_reordered_rows_are_found()
    {
        var stream = Stream(Login(0), Login(1), Login(2), Login(3));
        var removed = ChainVerifier.Verify("audit-a", [stream[0], stream[2], stream[3]]).ToList();
        Assert.Equal(3, Assert.Single(removed).SequenceNr);
        Assert.Contains("sequence 2 is missing", removed[0].Problem);

        var renumbered = ChainVerifier.Verify("audit-a", [stream[0], stream[2] with { SequenceNr = 2 }, stream[3] with { SequenceNr = 3 }]).ToList();
        Assert.Equal(2, Assert.Single(renumbered).SequenceNr);

        var swapped = ChainVerifier.Verify("audit-a", [stream[0], stream[2] with { SequenceNr = 2 }, stream[1] with { SequenceNr = 3 }, stream[3]]).ToList();
        Assert.Equal([2L, 3L, 4L], swapped.Select(f => f.SequenceNr));
    }

    [Fact]
    public void An_unreadable_row_is_reported_and_the_walk_goes_on()
    {
        var stream = Stream(Login(0), Login(1), Login(2));
        stream[1] = new AuditEntry("audit-a", 2, null, "bad json");
        var finding = Assert.Single(ChainVerifier.Verify("audit-a", stream));
        Assert.Equal(2, finding.SequenceNr);
        Assert.Contains("cannot be read: bad json", finding.Problem);
    }

    [Fact]
    public void The_grant_at_a_time_is_the_half_open_window_of_the_event_in_force()
    {
        var key = "203.0.113.9";
        IGrantEvent[] ledger =
        [
            new GrantIssued(key, key, "alice", "pop3s", "userpass", "n", T0, T0.AddMinutes(5)),
            new GrantRenewed(key, key, "alice", "apop", "apop", "n", T0.AddMinutes(3), T0.AddMinutes(8)),
            new GrantExpired(key, "alice", "n", T0.AddMinutes(8)),
            new GrantIssued(key, key, "bob", "pop3s", "userpass", "n", T0.AddMinutes(20), T0.AddMinutes(25)),
            new GrantRevoked(key, "bob", "password changed", "n", T0.AddMinutes(21)),
        ];
        RelayAccepted Relay(string id, DateTime grantAt, int minute) =>
            new("Q" + id, $"<{id}@x>", "alice@example.test", 1, key, "smtp", "grant", "r", "alice", key, grantAt, "n", T0.AddMinutes(minute));
        RelayAccepted[] relays = [Relay("m1", T0, 1), Relay("m2", T0.AddMinutes(3), 4), Relay("m3", T0.AddMinutes(20), 20)];

        var renewed = GrantHistory.At(key, T0.AddMinutes(4), ledger, relays)!;
        Assert.Equal(("alice", "apop"), (renewed.Term.Account, renewed.Term.Listener));
        Assert.Equal(2, renewed.Grant.Count); // issued, then renewed: one continuous grant
        Assert.Equal(["<m1@x>", "<m2@x>"], renewed.Messages.Select(m => m.MessageId));

        Assert.Equal(T0.AddMinutes(3), GrantHistory.At(key, T0.AddMinutes(2), ledger, relays)!.Term.Until); // cut short by the renewal
        Assert.NotNull(GrantHistory.At(key, T0.AddMinutes(8).AddTicks(-1), ledger, relays));
        Assert.Null(GrantHistory.At(key, T0.AddMinutes(8), ledger, relays)); // at the window's end: outside
        Assert.Null(GrantHistory.At(key, T0.AddMinutes(-1), ledger, relays));
        Assert.Equal("bob", GrantHistory.At(key, T0.AddMinutes(20.5), ledger, relays)!.Term.Account);
        Assert.Null(GrantHistory.At(key, T0.AddMinutes(21), ledger, relays)); // revoked
        Assert.Null(GrantHistory.At("198.51.100.1", T0.AddMinutes(4), ledger, relays));
    }

    [Theory]
    [InlineData("203.0.113.9", "203.0.113.9", true)]
    [InlineData("203.0.113.9", "203.0.113.10", false)]
    [InlineData("2001:db8:1:2::/64", "2001:db8:1:2::99", true)]
    [InlineData("2001:db8:1:2::/64", "2001:db8:1:3::1", false)]
    [InlineData("::ffff:203.0.113.9", "203.0.113.9", true)]
    [InlineData(null, "203.0.113.9", false)]
    public void An_address_filter_matches_the_address_or_the_prefix_that_holds_it(string? stored, string asked, bool matches) =>
        Assert.Equal(matches, AuditFilter.Covers(stored, IPAddress.Parse(asked)));

    [Fact]
    public void Kind_filters_take_a_kind_or_its_family()
    {
        var entry = Stream(Login(0))[0];
        Assert.True(new AuditFilter(Kinds: ["auth"]).Matches(entry));
        Assert.True(new AuditFilter(Kinds: ["auth-succeeded"]).Matches(entry));
        Assert.False(new AuditFilter(Kinds: ["au"]).Matches(entry));
        Assert.False(new AuditFilter(Kinds: ["grant"]).Matches(entry));
        Assert.True(new AuditFilter(User: "ALICE", Since: T0, Until: T0.AddTicks(1)).Matches(entry));
        Assert.False(new AuditFilter(Until: T0).Matches(entry));
    }
}
