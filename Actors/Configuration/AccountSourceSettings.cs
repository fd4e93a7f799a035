namespace MailActors.Configuration;

/// <summary>Where login passwords are checked (docs/spec.md §4): the local table, or a campus directory over LDAP.</summary>
public enum AccountSource { Local, Ldap }

/// <summary><c>mailactors.accounts.source</c> and, for <c>"ldap"</c>, <c>mailactors.accounts.ldap { }</c>.</summary>
public sealed record AccountSourceSettings(AccountSource Source, LdapSettings? Ldap)
{
    public static readonly AccountSourceSettings Local = new(AccountSource.Local, null);
}

/// <summary>
/// The directory: <see cref="Url"/> is <c>ldap://</c> or <c>ldaps://</c>; <see cref="UserFilter"/> holds <c>%u</c>
/// for the login name; the service account (<see cref="BindDn"/>, empty for an anonymous search) searches, the user's
/// own DN binds with the password. <see cref="StartTls"/>, <see cref="CaDir"/>, <see cref="Timeout"/>,
/// <see cref="CacheTtl"/> (at most 5 minutes) and <see cref="PoolSize"/> extend docs/spec.md §11.
/// </summary>
public sealed record LdapSettings(
    Uri Url,
    string BindDn,
    string BindPassword,
    string BaseDn,
    string UserFilter,
    string MailAttribute,
    bool StartTls,
    string CaDir,
    TimeSpan Timeout,
    TimeSpan CacheTtl,
    int PoolSize)
{
    public bool Ldaps => Url.Scheme == "ldaps";

    public int Port => Url.IsDefaultPort || Url.Port <= 0 ? (Ldaps ? 636 : 389) : Url.Port;
}
