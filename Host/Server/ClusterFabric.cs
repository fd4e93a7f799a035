using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Akka.Configuration;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;
using MailActors.Certificates;
using MailActors.Configuration;

namespace MailActors.Host.Server;

/// <summary>
/// Akka remoting over mutual TLS (docs/spec.md §15): each node presents its certificate from the cluster CA and accepts
/// a peer, in either direction, only if the peer's certificate chains to that CA and nothing else. A peer without a
/// certificate, or with one from another CA, fails the TLS handshake, so it cannot associate, join, write replicated
/// data or send to an actor.
/// </summary>
public static class ClusterFabric
{
    private const string Plain = "akka.tcp://", Ssl = "akka.ssl.tcp://";

    /// <summary>The remoting settings to layer over <paramref name="root"/>: TLS on, seeds in their <c>akka.ssl.tcp</c> form.</summary>
    public static Config Hocon(ClusterTlsSettings tls, Config root)
    {
        if (!tls.Enabled) return Config.Empty;
        var seeds = root.HasPath("akka.cluster.seed-nodes") ? root.GetStringList("akka.cluster.seed-nodes") : [];
        var quoted = seeds.Select(s => "\"" + (s.StartsWith(Plain, StringComparison.Ordinal) ? Ssl + s[Plain.Length..] : s) + "\"");
        return ConfigurationFactory.ParseString($$"""
            akka.remote.dot-netty.tcp.enable-ssl = true
            akka.cluster.seed-nodes = [{{string.Join(", ", quoted)}}]
            """);
    }

    /// <summary>This node's certificate and the peer check; a missing or unreadable file stops start-up with one line naming it.</summary>
    public static DotNettySslSetup Setup(ClusterTlsSettings tls)
    {
        Require(tls.Ca, "mailactors.cluster.tls.ca");
        Require(tls.Certificate, "mailactors.cluster.tls.certificate");
        Require(tls.Key, "mailactors.cluster.tls.key");
        // One CA, or two during a rotation (docs/security.md): the file may hold several, each trusted.
        var ca = new X509Certificate2Collection();
        try { ca.ImportFromPemFile(tls.Ca); }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new ConfigurationError($"mailactors.cluster.tls.ca: cannot read certificates from {tls.Ca}: {e.Message}");
        }
        if (ca.Count == 0) throw new ConfigurationError($"mailactors.cluster.tls.ca: no certificate in {tls.Ca}");
        var own = CertificateAuthority.LoadWithKey(tls.Certificate, tls.Key, "mailactors.cluster.tls.certificate");
        if (CertificateMaker.ChainErrors(own, ca) is var errors && errors != X509ChainStatusFlags.NoError)
            throw new ConfigurationError($"mailactors.cluster.tls.certificate: {tls.Certificate} is not issued by the cluster CA {tls.Ca} ({errors})");
        return new DotNettySslSetup(own, suppressValidation: false, requireMutualAuthentication: true,
            validateCertificateHostname: false, customValidator: IssuedBy(ca));
    }

    /// <summary>Accepts a peer certificate only when it chains to the cluster CA; the system's trusted roots count for nothing.</summary>
    public static CertificateValidationCallback IssuedBy(X509Certificate2Collection ca) =>
        (certificate, _, peer, _, log) =>
        {
            if (certificate is null)
            {
                log.Warning("cluster TLS: {0} presented no certificate; refused", peer);
                return false;
            }
            var errors = CertificateMaker.ChainErrors(certificate, ca);
            if (errors == X509ChainStatusFlags.NoError) return true;
            log.Warning("cluster TLS: {0} presented {1}, not from the cluster CA ({2}); refused", peer, certificate.Subject, errors);
            return false;
        };

    private static void Require(string file, string key)
    {
        if (!File.Exists(file))
            throw new ConfigurationError($"{key}: {file} does not exist (mailactors ca cluster init, then ca cluster issue HOST; docs/operations.md)");
    }
}
