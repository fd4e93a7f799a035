using MailActors.Accounts;
using MailActors.Aliases;
using MailActors.Quotas;

namespace MailActors.Tests.Aliases;

/// <summary>The expansion of local addresses at RCPT (docs/spec.md §4), over plain dictionaries.</summary>
public sealed class RecipientResolverTests
{
    private static readonly string[] Domains = ["example.test", "other.test"];

    private sealed class Lookups : IRecipientLookups
    {
        public readonly Dictionary<string, MailboxUsage> Accounts = [];
        public readonly Dictionary<string, IReadOnlyList<string>> Aliases = [];
        public int Asked;

        public Lookups WithAccounts(params string[] names)
        {
            foreach (var n in names) Accounts[n] = new MailboxUsage(n, 0, 0, null, null);
            return this;
        }

        public Task<MailboxUsage?> FindMailboxAsync(string account, CancellationToken ct = default)
        {
            Asked++;
            return Task.FromResult(Accounts.GetValueOrDefault(account));
        }

        public Task<IReadOnlyList<string>?> FindAliasAsync(string address, CancellationToken ct = default)
        {
            Asked++;
            return Task.FromResult(Aliases.GetValueOrDefault(address));
        }
    }

    private static Task<RecipientResolution> Resolve(Lookups lookups, string local, string domain = "example.test", Quota? quota = null) =>
        new RecipientResolver(lookups, Domains, quota ?? Quota.Unlimited).ResolveAsync(local, domain);

    private static RecipientResolution.Deliver Delivers(RecipientResolution r) => Assert.IsType<RecipientResolution.Deliver>(r);

    [Fact]
    public async Task An_account_is_itself_and_an_unknown_name_is_unknown()
    {
        var lookups = new Lookups().WithAccounts("alice");
        var alice = Delivers(await Resolve(lookups, "alice"));
        Assert.Equal(["alice"], alice.Accounts);
        Assert.Empty(alice.Forwards);
        Assert.IsType<RecipientResolution.Unknown>(await Resolve(lookups, "nobody"));
    }

    [Fact]
    public async Task An_alias_expands_to_accounts_local_addresses_and_remote_addresses_once_each()
    {
        var lookups = new Lookups().WithAccounts("alice", "bob", "carol");
        lookups.Aliases["team@example.test"] = ["alice", "staff@example.test", "Dave@Remote.Test", "bob"];
        lookups.Aliases["staff@example.test"] = ["bob", "carol@other.test", "dave@remote.test"];
        var team = Delivers(await Resolve(lookups, "team"));
        Assert.Equal(["alice", "bob", "carol"], team.Accounts);
        Assert.Equal(["dave@remote.test"], team.Forwards); // met first through staff@; the second spelling is the same mailbox
    }

    [Fact]
    public async Task An_alias_of_an_accounts_own_address_takes_precedence_so_it_can_keep_a_copy_and_forward()
    {
        var lookups = new Lookups().WithAccounts("alice");
        lookups.Aliases["alice@example.test"] = ["alice", "alice@elsewhere.test"];
        var alice = Delivers(await Resolve(lookups, "alice"));
        Assert.Equal(["alice"], alice.Accounts);
        Assert.Equal(["alice@elsewhere.test"], alice.Forwards);
    }

    [Fact]
    public async Task The_catch_all_takes_only_names_that_are_neither_accounts_nor_aliases_and_only_in_its_domain()
    {
        var lookups = new Lookups().WithAccounts("alice", "postmaster");
        lookups.Aliases["sales@example.test"] = ["alice"];
        lookups.Aliases["*@example.test"] = ["postmaster"];
        Assert.Equal(["postmaster"], Delivers(await Resolve(lookups, "anything")).Accounts);
        Assert.Equal(["alice"], Delivers(await Resolve(lookups, "alice")).Accounts);
        Assert.Equal(["alice"], Delivers(await Resolve(lookups, "sales")).Accounts);
        Assert.Equal(["alice"], Delivers(await Resolve(lookups, "alice", "other.test")).Accounts); // accounts live in every local domain
        Assert.IsType<RecipientResolution.Unknown>(await Resolve(lookups, "anything", "other.test"));
    }

    [Fact]
    public async Task A_loop_made_behind_the_checks_back_adds_nothing_at_rcpt_and_costs_a_bounded_number_of_lookups()
    {
        var lookups = new Lookups().WithAccounts("alice");
        lookups.Aliases["a@example.test"] = ["b@example.test"];
        lookups.Aliases["b@example.test"] = ["a@example.test", "alice"];
        Assert.Equal(["alice"], Delivers(await Resolve(lookups, "a")).Accounts);

        lookups.Aliases["b@example.test"] = ["a@example.test"];
        Assert.IsType<RecipientResolution.Unknown>(await Resolve(lookups, "a"));
        Assert.True(lookups.Asked < 20);
    }

    [Fact]
    public async Task A_full_mailbox_anywhere_in_the_expansion_is_named_so_the_recipient_gets_452()
    {
        var lookups = new Lookups().WithAccounts("alice");
        lookups.Accounts["bob"] = new MailboxUsage("bob", 10, 5, null, QuotaMessages: 5);
        lookups.Aliases["team@example.test"] = ["alice", "bob"];
        Assert.Equal("bob", Assert.IsType<RecipientResolution.Full>(await Resolve(lookups, "team")).Account);
        Assert.Equal("bob", Assert.IsType<RecipientResolution.Full>(await Resolve(lookups, "bob")).Account);
        Assert.IsType<RecipientResolution.Deliver>(await Resolve(lookups, "alice", quota: new Quota(100, 0)));
        Assert.IsType<RecipientResolution.Full>(await Resolve(new Lookups { Accounts = { ["c"] = new("c", 100, 1, null, null) } }, "c", quota: new Quota(100, 0)));
    }

    [Theory]
    [InlineData(new[] { "b@example.test" }, "alias loop: a@example.test -> b@example.test -> a@example.test")]
    [InlineData(new[] { "a@example.test" }, "alias loop: a@example.test -> a@example.test")]
    [InlineData(new[] { "nobody" }, "no such account: nobody")]
    [InlineData(new[] { "nobody@example.test" }, "nobody@example.test is neither an account nor an alias here")]
    public async Task Adding_an_alias_that_loops_or_reaches_nothing_is_refused_in_one_line(string[] targets, string problem)
    {
        var lookups = new Lookups().WithAccounts("alice");
        lookups.Aliases["b@example.test"] = ["a@example.test"];
        var parsed = targets.Select(t => AliasTarget.Parse(t, Domains)!).ToList();
        Assert.Equal(problem, await AliasCheck.ProblemAsync("a@example.test", parsed, lookups, Domains));
    }

    [Fact]
    public async Task A_catch_all_loop_between_two_domains_is_refused_and_a_diamond_is_not_a_loop()
    {
        var lookups = new Lookups().WithAccounts("alice");
        lookups.Aliases["*@other.test"] = ["x@example.test"];
        var loop = await AliasCheck.ProblemAsync("*@example.test", [AliasTarget.Parse("y@other.test", Domains)!], lookups, Domains);
        Assert.StartsWith("alias loop: *@example.test -> y@other.test -> *@other.test -> x@example.test -> *@example.test", loop);

        lookups.Aliases["left@example.test"] = ["alice"];
        lookups.Aliases["right@example.test"] = ["alice"];
        Assert.Null(await AliasCheck.ProblemAsync("both@example.test",
            [AliasTarget.Parse("left@example.test", Domains)!, AliasTarget.Parse("right@example.test", Domains)!], lookups, Domains));
    }

    [Theory]
    [InlineData("alice", "alice")]
    [InlineData("Bob@Example.Test", "bob@example.test")]
    [InlineData("x@far.example", "x@far.example")]
    [InlineData("@relay.test:x@far.example", null)]   // no source routes
    [InlineData("\"a@b\"@far.example", null)]          // no quoted local parts
    [InlineData("x@[10.0.0.1]", null)]                 // no address literals
    [InlineData("x@localhost", null)]                  // a remote target needs a real domain
    [InlineData("bad name", null)]
    public void Targets_are_plain_names_or_plain_addresses(string text, string? parsed) =>
        Assert.Equal(parsed, AliasTarget.Parse(text, Domains)?.ToString());

    [Theory]
    [InlineData("Sales@Example.test", "sales@example.test")]
    [InlineData("*@other.test", "*@other.test")]
    [InlineData("sales@far.example", null)]
    [InlineData("sales", null)]
    [InlineData("a b@example.test", null)]
    public void Alias_addresses_are_in_a_local_domain(string text, string? key) =>
        Assert.Equal(key, AliasAddress.Parse(text, Domains, out _));

    /// <summary>The account states the directory (or the local table) reports, with a directory user's canonical mailbox.</summary>
    private sealed class States(Dictionary<string, MailboxLookup> known, bool unavailable = false) : IRecipientLookup
    {
        public Task<MailboxLookup> FindRecipientAsync(string name) => Task.FromResult(
            unavailable ? new MailboxLookup(RecipientStatus.Unavailable, name)
                : known.GetValueOrDefault(name) ?? new MailboxLookup(RecipientStatus.Unknown, name));
    }

    private static Task<RecipientResolution> ResolveWith(Lookups lookups, IRecipientLookup states, string local) =>
        new RecipientResolver(lookups, Domains, Quota.Unlimited, states).ResolveAsync(local, "example.test");

    [Fact]
    public async Task A_disabled_account_is_refused_and_its_name_never_falls_to_the_catch_all()
    {
        var lookups = new Lookups().WithAccounts("alice", "bob", "postmaster");
        lookups.Aliases["*@example.test"] = ["postmaster"];
        var states = new States(new()
        {
            ["alice"] = new(RecipientStatus.Disabled, "alice"),
            ["bob"] = new(RecipientStatus.Active, "bob"),
            ["postmaster"] = new(RecipientStatus.Active, "postmaster"),
        });
        Assert.Equal("alice", Assert.IsType<RecipientResolution.Disabled>(await ResolveWith(lookups, states, "alice")).Account);
        Assert.Equal(["postmaster"], Delivers(await ResolveWith(lookups, states, "nobody")).Accounts);
    }

    [Fact]
    public async Task An_alias_skips_its_disabled_members_and_is_refused_only_when_none_is_left()
    {
        var lookups = new Lookups().WithAccounts("alice", "bob");
        lookups.Aliases["team@example.test"] = ["alice", "bob"];
        lookups.Aliases["solo@example.test"] = ["alice"];
        var states = new States(new() { ["alice"] = new(RecipientStatus.Disabled, "alice"), ["bob"] = new(RecipientStatus.Active, "bob") });
        Assert.Equal(["bob"], Delivers(await ResolveWith(lookups, states, "team")).Accounts);
        Assert.IsType<RecipientResolution.Disabled>(await ResolveWith(lookups, states, "solo"));
    }

    [Fact]
    public async Task A_directory_user_reached_by_login_name_gets_mail_in_their_canonical_mailbox_with_its_quota()
    {
        var lookups = new Lookups().WithAccounts("a.smith");
        lookups.Accounts["a.smith"] = new MailboxUsage("a.smith", 10, 1, null, 1);
        var states = new States(new() { ["asmith"] = new(RecipientStatus.Active, "a.smith"), ["a.smith"] = new(RecipientStatus.Active, "a.smith") });
        Assert.Equal("a.smith", Assert.IsType<RecipientResolution.Full>(await ResolveWith(lookups, states, "asmith")).Account);
        lookups.Accounts["a.smith"] = new MailboxUsage("a.smith", 0, 0, null, null);
        Assert.Equal(["a.smith"], Delivers(await ResolveWith(lookups, states, "asmith")).Accounts);
    }

    [Fact]
    public async Task A_directory_that_does_not_answer_makes_the_recipient_unavailable()
    {
        var lookups = new Lookups().WithAccounts("alice");
        Assert.IsType<RecipientResolution.Unavailable>(await ResolveWith(lookups, new States([], unavailable: true), "alice"));
    }
}
