using System.Net;
using System.Security.Cryptography.X509Certificates;
using MailKit.Net.Pop3;
using MailKit.Security;

namespace MailActors.Tests.Support;

/// <summary>MailKit POP3 clients bound to a chosen source address, trusting only the server's own root CA.</summary>
public static class Pop3Clients
{
    public static async Task<Pop3Client> ConnectAsync(TestServer server, IPAddress from, int port, SecureSocketOptions security)
    {
        var client = new Pop3Client
        {
            LocalEndPoint = new IPEndPoint(from, 0),
            Timeout = 15_000,
            CheckCertificateRevocation = false,
        };
        client.ServerCertificateValidationCallback = TrustingOnly(server.Ca);
        await client.ConnectAsync("127.0.0.1", port, security);
        return client;
    }

    /// <summary>Logs in with APOP only, from outside, on the apop listener: what a user's old client does with the APOP secret.</summary>
    public static async Task AssertApopWorksAsync(TestServer server, string name, string secret)
    {
        using var client = await ConnectAsync(server, TestServer.Outside, server.ApopPort, SecureSocketOptions.None);
        client.AuthenticationMechanisms.Clear();
        client.AuthenticationMechanisms.Add("APOP");
        await client.AuthenticateAsync(name, secret);
        Assert.True(client.IsAuthenticated);
        await client.DisconnectAsync(true);
    }

    /// <summary>Accepts a server certificate only if it chains to <paramref name="ca"/>, as a user's client does once the CA is installed.</summary>
    public static System.Net.Security.RemoteCertificateValidationCallback TrustingOnly(X509Certificate2 ca) => (_, certificate, _, _) =>
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return certificate is not null && chain.Build(new X509Certificate2(certificate));
    };
}
