using MailActors.Accounts;
using MailActors.Smtp;

namespace MailActors.Aliases;

/// <summary>
/// Where an alias sends mail (docs/spec.md §4): an account by its bare name, an address in a local domain (which is
/// resolved again: an account, another alias or the catch-all), or a remote address (relayed as the server's own mail).
/// </summary>
public abstract record AliasTarget
{
    public sealed record Account(string Name) : AliasTarget;
    public sealed record Local(string Address) : AliasTarget;
    public sealed record Remote(string Address) : AliasTarget;

    /// <summary>Reads a target as stored or as an administrator typed it; null when it is none of the three.</summary>
    public static AliasTarget? Parse(string text, IReadOnlyList<string> localDomains)
    {
        text = text.Trim();
        if (!text.Contains('@')) return AccountName.IsValid(text.ToLowerInvariant()) ? new Account(text.ToLowerInvariant()) : null;
        // Only plain local@domain: no source routes, no quoted local parts, no address literals.
        if (text.StartsWith('@') || text.Contains('"') || SmtpAddress.Parse(text) is not { } address || address.Domain.StartsWith('[')) return null;
        if (localDomains.Contains(address.Domain, StringComparer.OrdinalIgnoreCase))
            return AccountName.IsValid(address.LocalPart.ToLowerInvariant()) ? new Local(AliasAddress.Key(address.LocalPart, address.Domain)) : null;
        return address.Domain.Contains('.') ? new Remote($"{address.LocalPart}@{address.Domain}") : null;
    }

    /// <summary>The stored form (sealed, so the derived records print this too).</summary>
    public sealed override string ToString() => this switch
    {
        Account a => a.Name,
        Local l => l.Address,
        Remote r => r.Address,
        _ => "?",
    };
}

/// <summary>An alias's own address: <c>name@domain</c> in a local domain, or the domain's catch-all <c>*@domain</c>.</summary>
public static class AliasAddress
{
    public static string Key(string localPart, string domain) => $"{localPart.ToLowerInvariant()}@{domain.ToLowerInvariant()}";

    public static string CatchAll(string domain) => Key("*", domain);

    /// <summary>The normalized address, or null with <paramref name="why"/> when it cannot be an alias here.</summary>
    public static string? Parse(string text, IReadOnlyList<string> localDomains, out string why)
    {
        why = "";
        var at = text.LastIndexOf('@');
        if (at <= 0 || at == text.Length - 1)
        {
            why = $"\"{text}\" is not an address: write name@domain, or *@domain for a catch-all";
            return null;
        }
        var (local, domain) = (text[..at].ToLowerInvariant(), text[(at + 1)..].ToLowerInvariant());
        if (!localDomains.Contains(domain))
        {
            why = $"{domain} is not a local domain (local-domains: {string.Join(", ", localDomains)})";
            return null;
        }
        if (local != "*" && !AccountName.IsValid(local))
        {
            why = $"\"{local}\" cannot be an alias name (use a-z, 0-9, '.', '-', '_')";
            return null;
        }
        return Key(local, domain);
    }
}
