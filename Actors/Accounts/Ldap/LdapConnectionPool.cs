using System.Collections.Concurrent;
using System.DirectoryServices.Protocols;
using System.Net;
using System.Reflection;
using MailActors.Configuration;

namespace MailActors.Accounts.Ldap;

/// <summary>
/// A few open connections to the directory, reused: <see cref="Bound"/> ones are bound as the service account and
/// only search; the others are bound as each user in turn to check a password. At most
/// <see cref="LdapSettings.PoolSize"/> are in use at once; a connection that failed is closed, not returned.
/// </summary>
public sealed class LdapConnectionPool(LdapSettings settings, bool bound) : IDisposable
{
    private readonly ConcurrentBag<LdapConnection> _idle = [];
    private readonly SemaphoreSlim _slots = new(settings.PoolSize, settings.PoolSize);

    public bool Bound => bound;

    /// <summary>Runs <paramref name="use"/> on a pooled connection, on a pool thread (the LDAP calls block).</summary>
    /// <exception cref="DirectoryUnavailable">no connection in time, or the directory failed.</exception>
    public async Task<T> UseAsync<T>(Func<LdapConnection, T> use)
    {
        if (!await _slots.WaitAsync(settings.Timeout)) throw new DirectoryUnavailable("all directory connections busy");
        try
        {
            return await Task.Run(() =>
            {
                var connection = _idle.TryTake(out var idle) ? idle : Open();
                try
                {
                    var result = use(connection);
                    _idle.Add(connection);
                    return result;
                }
                catch (LdapException e) when (e.ErrorCode == LdapErrors.InvalidCredentials)
                {
                    _idle.Add(connection);   // an ordinary wrong password: the connection is fine
                    throw;
                }
                catch
                {
                    connection.Dispose();
                    throw;
                }
            }).WaitAsync(2 * settings.Timeout);   // connect and request; libldap's own timeouts do not cover every wait
        }
        catch (TimeoutException)
        {
            throw new DirectoryUnavailable($"no answer from {settings.Url.Host}:{settings.Port} within {(2 * settings.Timeout).TotalSeconds:0.#} s");
        }
        catch (Exception e) when (e is DirectoryException and not LdapException { ErrorCode: LdapErrors.InvalidCredentials }
                                      or PlatformNotSupportedException or DllNotFoundException)
        {
            throw new DirectoryUnavailable(e is LdapException { ErrorCode: LdapErrors.ServerDown or LdapErrors.ConnectError } && (settings.Ldaps || settings.StartTls)
                ? $"{e.Message} (over TLS: or the certificate of {settings.Url.Host} did not verify against {(settings.CaDir.Length > 0 ? settings.CaDir : "the system's CAs")})"
                : e.Message);
        }
        finally
        {
            _slots.Release();
        }
    }

    private LdapConnection Open()
    {
        var connection = new LdapConnection(new LdapDirectoryIdentifier(settings.Url.Host, settings.Port))
        {
            AuthType = bound && settings.BindDn.Length == 0 ? AuthType.Anonymous : AuthType.Basic,
            Timeout = settings.Timeout,
        };
        try
        {
            var options = connection.SessionOptions;
            options.ProtocolVersion = 3;
            options.ReferralChasing = ReferralChasingOptions.None;
            if (settings.Ldaps) options.SecureSocketLayer = true;
            if (!OperatingSystem.IsWindows() && (settings.Ldaps || settings.StartTls))
            {
                // libldap's own TLS settings (ldap.conf TLS_CACERT, the system's CAs) unless ca-dir names others
                if (settings.CaDir.Length > 0) options.TrustedCertificatesDirectory = settings.CaDir;
                options.StartNewTlsSessionContext();
            }
            if (settings.StartTls) StartTls(connection);
            if (bound)
            {
                if (settings.BindDn.Length > 0) connection.Bind(new NetworkCredential(settings.BindDn, settings.BindPassword));
                else connection.Bind();
            }
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// StartTLS as the first thing on the connection. On Linux, System.DirectoryServices.Protocols (10.0 and 11.0)
    /// gives libldap the server's address in its private <c>Connect</c>, which only a bind or a request calls, and
    /// StartTransportLayerSecurity calls neither: sent first, StartTLS goes to libldap's default
    /// (ldap://localhost:389) and fails "server unavailable". So it is called here first, as newer .NET does inside
    /// StartTransportLayerSecurity (dotnet/runtime main). (Sending an anonymous request first instead races slapd,
    /// which then refuses StartTLS now and then: "operations are outstanding".) A StartTLS that fails (refused, or a
    /// certificate that does not verify) throws, and the connection is closed: no bind is ever sent in clear text.
    /// </summary>
    private static void StartTls(LdapConnection connection)
    {
        if (!OperatingSystem.IsWindows())
        {
            // Without it StartTLS would go to whatever answers on localhost:389: refuse rather than guess.
            if (SetAddress is null)
                throw new DirectoryUnavailable("StartTLS: this System.DirectoryServices.Protocols has no LdapConnection.Connect to aim it with; use ldaps://");
            SetAddress.Invoke(connection, BindingFlags.DoNotWrapExceptions, null, null, null);
        }
        connection.SessionOptions.StartTransportLayerSecurity(null);
    }

    private static readonly MethodInfo? SetAddress =
        typeof(LdapConnection).GetMethod("Connect", BindingFlags.Instance | BindingFlags.NonPublic, Type.EmptyTypes);

    public void Dispose()
    {
        while (_idle.TryTake(out var connection)) connection.Dispose();
        _slots.Dispose();
    }
}

/// <summary>The directory did not answer as it should: a temporary failure (docs/spec.md §4), never a wrong password.</summary>
public sealed class DirectoryUnavailable(string why) : Exception(why);

public static class LdapErrors
{
    /// <summary>RFC 4511 resultCode invalidCredentials.</summary>
    public const int InvalidCredentials = 49;

    /// <summary>libldap's LDAP_SERVER_DOWN and LDAP_CONNECT_ERROR: also how a TLS handshake that failed is reported.</summary>
    public const int ServerDown = 81, ConnectError = 91;
}
