using System.Net;
using DnsClient;
using DnsClient.Protocol;

namespace MailActors.Delivery;

/// <summary>The system's name servers, through DnsClient.</summary>
public sealed class DnsMxResolver : IMxResolver
{
    private readonly LookupClient _client = new(new LookupClientOptions
    {
        Timeout = TimeSpan.FromSeconds(10),
        Retries = 2,
        UseCache = true,
        ThrowDnsErrors = false,
        ContinueOnDnsError = false,
    });

    public async Task<IReadOnlyList<MxRecord>> LookupMxAsync(string domain, CancellationToken ct)
    {
        var response = await Query(domain, QueryType.MX, ct);
        return response.Answers.MxRecords().Select(r => new MxRecord(r.Preference, r.Exchange.Value)).ToList();
    }

    public async Task<IReadOnlyList<IPAddress>> LookupAddressesAsync(string host, CancellationToken ct)
    {
        var v4 = await Query(host, QueryType.A, ct);
        var v6 = await Query(host, QueryType.AAAA, ct);
        return v4.Answers.OfType<AddressRecord>().Concat(v6.Answers.OfType<AddressRecord>()).Select(r => r.Address).ToList();
    }

    private async Task<IDnsQueryResponse> Query(string name, QueryType type, CancellationToken ct)
    {
        IDnsQueryResponse response;
        try
        {
            response = await _client.QueryAsync(name, type, QueryClass.IN, ct);
        }
        catch (DnsResponseException e)
        {
            throw new DnsTemporaryFailureException($"{type} {name}: {e.Message}");
        }
        if (response.Header.ResponseCode == DnsHeaderResponseCode.NotExistentDomain) throw new DnsNameNotFoundException(name);
        if (response.HasError) throw new DnsTemporaryFailureException($"{type} {name}: {response.ErrorMessage}");
        return response;
    }
}
