using MailActors.Configuration;

namespace MailActors.Policy;

/// <summary>
/// The off-campus policy matrix of docs/spec.md §3 as data. First matching row wins; no row means refuse.
/// Refusals name the ports as configured.
/// </summary>
public sealed class PolicyTable(IReadOnlyList<PolicyRule> rules)
{
    public IReadOnlyList<PolicyRule> Rules { get; } = rules;

    public PolicyDecision Decide(Zone zone, ListenerKind listener, Mechanism mechanism, bool tls)
    {
        var rule = Rules.FirstOrDefault(r => r.Matches(zone, listener, mechanism, tls));
        return rule is null ? PolicyDecision.NoRule : new PolicyDecision(rule.Allow, rule.Name, rule.Advice);
    }

    /// <summary>The rows that can ever apply to one connection: what a session carries.</summary>
    public PolicyTable For(Zone zone, ListenerKind listener) =>
        new(Rules.Where(r => r.Listener == listener && r.Zones.Matches(zone)).ToList());

    private static string Describe(TimeSpan window) =>
        window.TotalMinutes >= 1 && window.Seconds == 0 ? $"{window.TotalMinutes:0} minutes" : $"{window.TotalSeconds:0} seconds";

    private static PolicyRule[] Submission(ListenerKind listener, string popBeforeSmtp)
    {
        var name = ListenerNames.Of(listener);
        return
        [
            new($"campus-{name}", ZoneMatch.Campus, listener, Mechanism.Network, Channel.Any, true),
            new($"outside-{name}-refused", ZoneMatch.Outside, listener, Mechanism.Network, Channel.Any, false, popBeforeSmtp),
            new($"{name}-pop-before-smtp", ZoneMatch.Any, listener, Mechanism.Grant, Channel.Any, true),
            new($"{name}-auth", ZoneMatch.Any, listener, Mechanism.SmtpAuth, Channel.Tls, true),
        ];
    }

    /// <summary>The matrix under the node's own configuration (what it enforces before it hears the live policy).</summary>
    public static PolicyTable FromSettings(MailActorsSettings settings) => Build(settings, LivePolicy.FromSettings(settings));

    /// <summary>The matrix under <paramref name="policy"/>; <paramref name="settings"/> gives the ports that refusals name.</summary>
    public static PolicyTable Build(MailActorsSettings settings, LivePolicy policy)
    {
        var pop3s = settings.PortOf(ListenerKind.Pop3s);
        var apop = settings.PortOf(ListenerKind.Apop);
        var useTlsOrApop = $"use POP3 over TLS on port {pop3s} or APOP on port {apop}";
        var popFirst = $"log in to POP3 from this address first (POP3 over TLS on port {pop3s} or APOP on port {apop}), " +
                       $"then send within {Describe(policy.GrantWindow)}";
        var popBeforeSmtp = popFirst + "; or use AUTH after STARTTLS";

        return new PolicyTable(
        [
            // pop3 (110): plain USER/PASS on campus; from outside only after STLS.
            new("campus-pop3-userpass", ZoneMatch.Campus, ListenerKind.Pop3, Mechanism.UserPass, Channel.Any, true),
            new("outside-pop3-stls-userpass", ZoneMatch.Outside, ListenerKind.Pop3, Mechanism.UserPass, Channel.Tls,
                policy.AllowStlsOutside, $"clear-text login from outside the campus is not allowed: {useTlsOrApop}"),
            new("outside-pop3-cleartext-refused", ZoneMatch.Outside, ListenerKind.Pop3, Mechanism.UserPass, Channel.Clear, false,
                policy.AllowStlsOutside
                    ? $"clear-text login from outside the campus is not allowed: {useTlsOrApop}, or STLS first"
                    : $"clear-text login from outside the campus is not allowed: {useTlsOrApop}"),

            // pop3s (995): implicit TLS, the ordinary login password, from anywhere.
            new("pop3s-userpass", ZoneMatch.Any, ListenerKind.Pop3s, Mechanism.UserPass, Channel.Tls, true),

            // apop (11110): APOP from anywhere; USER/PASS only on campus.
            new("apop-listener-apop", ZoneMatch.Any, ListenerKind.Apop, Mechanism.Apop, Channel.Any, true),
            new("campus-apop-listener-userpass", ZoneMatch.Campus, ListenerKind.Apop, Mechanism.UserPass, Channel.Any, true),
            new("outside-apop-listener-userpass-refused", ZoneMatch.Outside, ListenerKind.Apop, Mechanism.UserPass, Channel.Any, false,
                $"only APOP (with your APOP password) is accepted on port {apop} from outside the campus; or use POP3 over TLS on port {pop3s}"),

            // APOP's challenge is offered on the apop listener only (docs/spec.md §3).
            new("apop-only-on-apop-listener", ZoneMatch.Any, ListenerKind.Pop3, Mechanism.Apop, Channel.Any, false,
                $"APOP is offered on port {apop} only; on this port log in with USER and PASS"),
            new("apop-only-on-apop-listener", ZoneMatch.Any, ListenerKind.Pop3s, Mechanism.Apop, Channel.Any, false,
                $"APOP is offered on port {apop} only; on this port log in with USER and PASS"),

            // smtp (25): anyone may send to the local domains (no rule needed); relaying needs one of these.
            new("campus-smtp-relay", ZoneMatch.Campus, ListenerKind.Smtp, Mechanism.Network, Channel.Any, true),
            new("outside-smtp-relay-refused", ZoneMatch.Outside, ListenerKind.Smtp, Mechanism.Network, Channel.Any, false, popBeforeSmtp),
            new("smtp-relay-pop-before-smtp", ZoneMatch.Any, ListenerKind.Smtp, Mechanism.Grant, Channel.Any, true),
            new("smtp-relay-auth", ZoneMatch.Any, ListenerKind.Smtp, Mechanism.SmtpAuth, Channel.Tls, true),

            // submission (587) and submissions (465, implicit TLS): from outside, MAIL itself needs a grant or AUTH.
            .. Submission(ListenerKind.Submission, popBeforeSmtp),
            .. Submission(ListenerKind.Submissions, popFirst + "; or use AUTH"), // TLS from the first byte: AUTH is offered at once
        ]);
    }
}
