using MailActors.Accounts.Ldap;

namespace MailActors.Tests.Accounts;

/// <summary>RFC 4515 escaping: no login name or address can change what a search asks.</summary>
public sealed class LdapFilterTests
{
    private const string UserFilter = "(&(objectClass=inetOrgPerson)(uid=%u))";

    [Theory]
    [InlineData("alice", "alice")]
    [InlineData("*", "\\2a")]
    [InlineData("a)(uid=*", "a\\29\\28uid=\\2a")]
    [InlineData("back\\slash", "back\\5cslash")]
    [InlineData("nul\0", "nul\\00")]
    [InlineData("jürgen", "j\\c3\\bcrgen")]
    public void Values_are_escaped(string value, string escaped) => Assert.Equal(escaped, LdapFilter.Escape(value));

    [Fact]
    public void The_login_filter_puts_the_escaped_name_where_percent_u_stands()
    {
        Assert.Equal("(&(objectClass=inetOrgPerson)(uid=a\\2a))", LdapFilter.ForLogin(UserFilter, "a*"));
        Assert.Equal("(|(sAMAccountName=bob)(userPrincipalName=bob@campus.test))",
            LdapFilter.ForLogin("(|(sAMAccountName=%u)(userPrincipalName=%u@campus.test))", "bob"));
    }

    [Fact]
    public void The_mailbox_filter_asks_for_any_user_the_filter_admits_with_the_address_at_a_local_domain()
    {
        Assert.Equal("(&(&(objectClass=inetOrgPerson)(uid=*))(mail=john.doe@example.test))",
            LdapFilter.ForMailbox(UserFilter, "mail", "john.doe", ["example.test"]));
        Assert.Equal("(&(&(objectClass=inetOrgPerson)(uid=*))(|(mail=a@one.test)(mail=a@two.test)))",
            LdapFilter.ForMailbox(UserFilter, "mail", "a", ["one.test", "two.test"]));
    }
}
