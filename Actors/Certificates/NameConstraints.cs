using System.Formats.Asn1;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace MailActors.Certificates;

/// <summary>
/// The X.509 Name Constraints extension (RFC 5280 §4.2.1.10), permitted subtrees only, marked critical: a CA carrying it
/// can sign certificates for these names (and, for a DNS name or mail domain, the names under it) and for nothing else.
/// .NET has no builder for it, so the DER is written here.
/// </summary>
public static class NameConstraints
{
    public const string Oid = "2.5.29.30";

    private static readonly Asn1Tag Permitted = new(TagClass.ContextSpecific, 0, isConstructed: true);
    private static readonly Asn1Tag Rfc822Name = new(TagClass.ContextSpecific, 1);
    private static readonly Asn1Tag DnsName = new(TagClass.ContextSpecific, 2);
    private static readonly Asn1Tag IpAddress = new(TagClass.ContextSpecific, 7);

    /// <param name="hosts">host names and IP addresses (each IP exactly, as a host mask)</param>
    /// <param name="mailDomains">domains whose host names and mail addresses are permitted</param>
    public static X509Extension Permit(IEnumerable<string> hosts, IEnumerable<string> mailDomains)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        using (writer.PushSequence(Permitted))
        {
            var domains = mailDomains.Select(d => d.ToLowerInvariant()).Distinct().ToList();
            foreach (var host in hosts.Concat(domains).Select(h => h.ToLowerInvariant()).Distinct())
            {
                using (writer.PushSequence())
                {
                    if (IPAddress.TryParse(host, out var ip)) writer.WriteOctetString(HostMask(ip), IpAddress);
                    else writer.WriteCharacterString(UniversalTagNumber.IA5String, host, DnsName);
                }
            }
            foreach (var domain in domains)
                using (writer.PushSequence())
                    writer.WriteCharacterString(UniversalTagNumber.IA5String, domain, Rfc822Name);
        }
        return new X509Extension(Oid, writer.Encode(), critical: true);
    }

    /// <summary>RFC 5280: an iPAddress constraint is the address followed by its mask; all ones names one address.</summary>
    private static byte[] HostMask(IPAddress ip)
    {
        var bytes = ip.GetAddressBytes();
        var length = ip.AddressFamily == AddressFamily.InterNetwork ? 4 : 16;
        return [.. bytes, .. Enumerable.Repeat((byte)0xFF, length)];
    }
}
