using System.Net;
using MailActors.Audit;
using MailActors.Configuration;
using MailActors.Policy;
using MailActors.Serialization;
using MailActors.Tests.Pop3;

namespace MailActors.Tests.Policy;

/// <summary>The live policy (issue 17, docs/spec.md §2): the singleton's state and its events, with plain values.</summary>
public sealed class PolicyStateTests
{
    private static readonly DateTime T0 = new(2026, 12, 5, 10, 0, 0, DateTimeKind.Utc);
    private const string NodeA = "akka.tcp://mailactors@10.0.0.1:4053";
    private const string NodeB = "akka.tcp://mailactors@10.0.0.2:4053";

    private static LivePolicy Configured(string hocon = "") => LivePolicy.FromSettings(TestSettings.With(hocon));

    [Fact]
    public void The_first_start_adopts_the_configuration_as_version_1_with_every_key_from_none()
    {
        var adopted = PolicyState.Empty.Adopt(Configured(), NodeA, T0)!;

        Assert.Equal((1L, "configuration", NodeA, T0), (adopted.Version, adopted.By, adopted.Node, adopted.At));
        Assert.Equal(LivePolicy.Keys, adopted.Changes.Select(c => c.Key));
        Assert.All(adopted.Changes, c => Assert.Equal("(none)", c.From));
        Assert.Contains(new PolicyChange("networks.internal", "(none)", "[\"127.0.0.0/8\", \"::1/128\"]"), adopted.Changes);
        Assert.Equal(1, PolicyState.Empty.Apply(adopted).Live!.Version);
    }

    [Fact]
    public void A_node_starting_later_adopts_nothing_the_live_policy_stays()
    {
        var state = PolicyState.Empty.Apply(PolicyState.Empty.Adopt(Configured(), NodeA, T0)!);

        Assert.Null(state.Adopt(Configured("mailactors.networks.internal = [\"10.0.0.0/8\"]"), NodeB, T0.AddHours(1)));
    }

    [Fact]
    public void A_change_names_each_changed_key_from_what_to_what_by_whom_and_through_which_node()
    {
        var state = PolicyState.Empty.Apply(PolicyState.Empty.Adopt(Configured(), NodeA, T0)!);
        var proposed = Configured("""
            mailactors.networks.internal = ["127.0.0.1/32", "127.0.0.2/32"]
            mailactors.pop-before-smtp.window = 90s
            mailactors.policy.allow-stls-outside = off
            """) with { Version = 77 };

        var changed = state.Change(proposed, "alice", NodeB, T0.AddMinutes(1))!;

        Assert.Equal((2L, "alice", NodeB), (changed.Version, changed.By, changed.Node));
        Assert.Equal([
            new PolicyChange("networks.internal", "[\"127.0.0.0/8\", \"::1/128\"]", "[\"127.0.0.1/32\", \"127.0.0.2/32\"]"),
            new PolicyChange("pop-before-smtp.window", "5m", "90s"),
            new PolicyChange("policy.allow-stls-outside", "on", "off"),
        ], changed.Changes);
        Assert.Equal(2, changed.Policy.Version); // the proposal's own version counts for nothing
        Assert.Equal(TimeSpan.FromSeconds(90), state.Apply(changed).Live!.GrantWindow);
    }

    [Fact]
    public void A_change_that_changes_nothing_is_no_event()
    {
        var state = PolicyState.Empty.Apply(PolicyState.Empty.Adopt(Configured(), NodeA, T0)!);

        Assert.Null(state.Change(Configured() with { Version = 5 }, "alice", NodeB, T0.AddMinutes(1)));
    }

    [Fact]
    public void Replaying_the_events_restores_the_last_policy_so_a_full_restart_keeps_it()
    {
        var adopted = PolicyState.Empty.Adopt(Configured(), NodeA, T0)!;
        var second = PolicyState.Empty.Apply(adopted).Change(Configured("mailactors.networks.dialup = [\"192.0.2.0/24\"]"), "alice", NodeA, T0.AddMinutes(1))!;
        var third = PolicyState.Empty.Apply(adopted).Apply(second)
            .Change(Configured("mailactors.networks.dialup = [\"192.0.2.0/24\"]\nmailactors.pop-before-smtp.bind-sender = on"), "bob", NodeB, T0.AddMinutes(2))!;

        var live = new[] { adopted, second, third }.Aggregate(PolicyState.Empty, (state, e) => state.Apply(e)).Live!;

        Assert.Equal(3, live.Version);
        Assert.Equal(["192.0.2.0/24"], live.Dialup);
        Assert.True(live.BindSender);
        // a node started with the old file would still adopt nothing
        Assert.Null(new[] { adopted, second, third }.Aggregate(PolicyState.Empty, (state, e) => state.Apply(e)).Adopt(Configured(), NodeB, T0.AddHours(1)));
    }

    [Fact]
    public void The_event_is_stored_under_its_manifest_and_chained_so_an_edit_is_caught()
    {
        var adopted = PolicyState.Empty.Adopt(Configured(), NodeA, T0)!;
        var link = Chained.After(Chained.Genesis, adopted);

        Assert.Equal("policy-changed.v1", link.Manifest);
        Assert.Equal("policy-changed", FactCodec.KindOf(adopted));
        var back = (PolicyChanged)FactCodec.Decode(link.Manifest, link.FactJson);
        Assert.Equal(adopted.Changes, back.Changes);
        Assert.Equal(adopted.Policy.Settings(), back.Policy.Settings());
        Assert.True(link.IsIntact);

        var edited = System.Text.Encoding.UTF8.GetBytes(System.Text.Encoding.UTF8.GetString(link.FactJson).Replace("127.0.0.0/8", "0.0.0.0/0"));
        Assert.False((link with { FactJson = edited }).IsIntact);
    }

    [Fact]
    public void A_bad_value_from_outside_gets_the_line_start_up_gives_and_start_up_refuses_it_alike()
    {
        var bad = Configured() with { Internal = ["10.0.0.0/8", "nonsense"], Ipv6Prefix = 129 };

        var startup = Assert.Throws<ConfigurationError>(() => TestSettings.With("mailactors.networks.internal = [\"10.0.0.0/8\", \"nonsense\"]"));
        Assert.Equal(startup.Message, bad.Problems()[0]);
        Assert.Equal("mailactors.networks.internal: \"nonsense\" is not a CIDR network (like 10.0.0.0/8)", bad.Problems()[0]);
        Assert.Equal("mailactors.pop-before-smtp.ipv6-prefix: must be 0 to 128, not 129", bad.Problems()[1]);
        Assert.Equal(bad.Problems()[1],
            Assert.Throws<ConfigurationError>(() => TestSettings.With("mailactors.pop-before-smtp.ipv6-prefix = 129")).Message);
        Assert.Empty(Configured().Problems());
    }

    [Fact]
    public void The_matrix_and_the_zones_follow_the_policy_in_force()
    {
        var settings = TestSettings.With("mailactors.port-offset = 10000\nmailactors.networks.internal = [\"127.0.0.1/32\"]");
        var enforced = new EnforcedPolicy(settings);
        var outside = IPAddress.Parse("127.0.0.2");
        Assert.Equal(0, enforced.Policy.Version);
        Assert.Equal(Zone.Outside, enforced.Current.Classifier.Classify(outside));

        enforced.Enforce(LivePolicy.FromSettings(settings) with
        {
            Version = 2,
            Internal = ["127.0.0.2/32"],
            AllowStlsOutside = false,
            GrantWindow = TimeSpan.FromMinutes(10),
        });

        Assert.Equal(Zone.Inside, enforced.Current.Classifier.Classify(outside));
        Assert.Equal(Zone.Outside, enforced.Current.Classifier.Classify(IPAddress.Parse("127.0.0.1")));
        var table = enforced.Current.Table;
        Assert.False(table.Decide(Zone.Outside, ListenerKind.Pop3, Mechanism.UserPass, tls: true).Allowed);
        Assert.Contains("then send within 10 minutes", table.Decide(Zone.Outside, ListenerKind.Smtp, Mechanism.Network, false).Advice);
        Assert.Contains("port 10995", table.Decide(Zone.Outside, ListenerKind.Smtp, Mechanism.Network, false).Advice);
    }

    [Theory]
    [InlineData(300, "5m")]
    [InlineData(90, "90s")]
    [InlineData(7200, "2h")]
    [InlineData(0, "0s")]
    public void Durations_are_written_as_hocon_reads_them(int seconds, string text)
    {
        Assert.Equal(text, LivePolicy.Duration(TimeSpan.FromSeconds(seconds)));
        Assert.Equal(TimeSpan.FromSeconds(seconds), TestSettings.With($"mailactors.pop-before-smtp.window = {text}").PopBeforeSmtp.Window);
    }
}
