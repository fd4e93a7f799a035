using System.Net;
using System.Net.Sockets;

namespace MailActors.Tests.Support;

/// <summary>HttpClients for the web listeners, bound to a chosen source address and trusting only the server's own root CA.</summary>
public static class WebClients
{
    public static HttpClient For(TestServer server, IPAddress from, CookieContainer? cookies = null, bool followRedirects = false)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = followRedirects,
            UseCookies = cookies is not null,
            CookieContainer = cookies ?? new CookieContainer(),
            ConnectCallback = async (context, token) =>
            {
                var socket = new Socket(from.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(from, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, token);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        handler.SslOptions.RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
            Pop3Clients.TrustingOnly(server.Ca)(sender, certificate, chain, errors); // read when used: an operator's certificate has no CA file
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
    }

    public static Uri Web(TestServer server, string path) => new($"http://127.0.0.1:{server.WebPort}{path}");
    public static Uri Webs(TestServer server, string path) => new($"https://127.0.0.1:{server.WebsPort}{path}");
}
