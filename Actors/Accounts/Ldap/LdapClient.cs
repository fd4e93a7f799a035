using System.DirectoryServices.Protocols;
using System.Net;
using MailActors.Configuration;

namespace MailActors.Accounts.Ldap;

/// <summary>A directory user as the mail server needs one: the DN to bind as, and the mailbox name.</summary>
public sealed record DirectoryUser(string Dn, string Mailbox);

/// <summary>
/// The two LDAP operations of docs/spec.md §4: find a user with the service account, and bind as a user with a
/// password. Every failure of the directory itself is <see cref="DirectoryUnavailable"/>.
/// </summary>
public sealed class LdapClient(LdapSettings settings, IReadOnlyList<string> localDomains) : IDisposable
{
    private readonly LdapConnectionPool _searches = new(settings, bound: true);
    private readonly LdapConnectionPool _binds = new(settings, bound: false);

    /// <summary>The user the <c>user-filter</c> finds for a login name; null when none (or, ambiguously, several) match.</summary>
    public Task<DirectoryUser?> FindByLoginAsync(string login) =>
        SearchAsync(LdapFilter.ForLogin(settings.UserFilter, login), login);

    /// <summary>The user whose address is <paramref name="mailbox"/> at a local domain; null when none.</summary>
    public Task<DirectoryUser?> FindByMailboxAsync(string mailbox) =>
        SearchAsync(LdapFilter.ForMailbox(settings.UserFilter, settings.MailAttribute, mailbox, localDomains), mailbox);

    /// <returns>true when <paramref name="password"/> is the user's; false for a wrong one.</returns>
    public async Task<bool> BindAsync(DirectoryUser user, string password)
    {
        // An empty password would make a simple bind an unauthenticated one, which servers accept (RFC 4513 §5.1.2).
        if (password.Length == 0) return false;
        try
        {
            return await _binds.UseAsync(connection =>
            {
                connection.Bind(new NetworkCredential(user.Dn, password));
                return true;
            });
        }
        catch (LdapException e) when (e.ErrorCode == LdapErrors.InvalidCredentials)
        {
            return false;
        }
    }

    private async Task<DirectoryUser?> SearchAsync(string filter, string fallbackMailbox)
    {
        var entries = await _searches.UseAsync(connection =>
        {
            var request = new SearchRequest(settings.BaseDn, filter, SearchScope.Subtree, settings.MailAttribute)
            {
                SizeLimit = 2,
                TimeLimit = settings.Timeout,
            };
            try
            {
                return ((SearchResponse)connection.SendRequest(request, settings.Timeout)).Entries.Cast<SearchResultEntry>().ToList();
            }
            catch (DirectoryOperationException e) when (e.Response?.ResultCode == ResultCode.SizeLimitExceeded)
            {
                return [];   // more than one user for one name: none of them is this login
            }
        });
        return entries.Count == 1 ? new DirectoryUser(entries[0].DistinguishedName, MailboxOf(entries[0], fallbackMailbox)) : null;
    }

    /// <summary>The local part of the entry's address at a local domain (else its first address); the name itself when there is none fit for a mailbox.</summary>
    private string MailboxOf(SearchResultEntry entry, string fallback)
    {
        var addresses = entry.Attributes[settings.MailAttribute]?.GetValues(typeof(string)).Cast<string>().ToList() ?? [];
        var address = addresses.FirstOrDefault(a => localDomains.Contains(a[(a.LastIndexOf('@') + 1)..].ToLowerInvariant()))
                      ?? addresses.FirstOrDefault();
        var localPart = address is null ? null : address[..Math.Max(0, address.LastIndexOf('@'))].ToLowerInvariant();
        return localPart is not null && AccountName.IsValid(localPart) ? localPart : fallback;
    }

    public void Dispose()
    {
        _searches.Dispose();
        _binds.Dispose();
    }
}
