using System.Text;

namespace MailActors.Accounts.Ldap;

/// <summary>The search filters, with every value escaped as RFC 4515 §3 says, so no name can widen a search.</summary>
public static class LdapFilter
{
    /// <summary>The configured <c>user-filter</c> with <c>%u</c> standing for <paramref name="login"/>.</summary>
    public static string ForLogin(string userFilter, string login) => userFilter.Replace("%u", Escape(login));

    /// <summary>
    /// The user whose <paramref name="mailAttribute"/> is <paramref name="mailbox"/> at one of the local domains:
    /// the <c>user-filter</c> with <c>%u</c> as a presence test (any user it admits), and the address.
    /// </summary>
    public static string ForMailbox(string userFilter, string mailAttribute, string mailbox, IReadOnlyList<string> localDomains)
    {
        var addresses = string.Concat(localDomains.Select(domain => $"({mailAttribute}={Escape(mailbox + "@" + domain)})"));
        return $"(&{userFilter.Replace("%u", "*")}{(localDomains.Count == 1 ? addresses : $"(|{addresses})")})";
    }

    public static string Escape(string value)
    {
        var escaped = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (b is (byte)'*' or (byte)'(' or (byte)')' or (byte)'\\' or 0 or >= 0x80) escaped.Append('\\').Append(b.ToString("x2"));
            else escaped.Append((char)b);
        }
        return escaped.ToString();
    }
}
