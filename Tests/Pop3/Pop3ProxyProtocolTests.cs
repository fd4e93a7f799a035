using System.Net;
using System.Text;
using MailActors.Tests.Support;

namespace MailActors.Tests.Pop3;

/// <summary>PROXY v1/v2 headers count only from networks.trusted-proxies, and only the reported address counts.</summary>
[Trait("Category", "Slow")]
public sealed class Pop3ProxyProtocolTests : IAsyncLifetime
{
    private static readonly IPAddress Proxy = IPAddress.Parse("127.0.0.4");
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        // The proxy's own address is inside: that must never make its clients inside.
        _server = await TestServer.StartAsync("""mailactors.networks { trusted-proxies = ["127.0.0.4/32"], internal = ["127.0.0.1/32", "127.0.0.4/32", "10.0.0.0/8"] }""");
        await _server.AddUserAsync("proxied", "pw");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private static byte[] V1(string source) => Encoding.ASCII.GetBytes($"PROXY TCP4 {source} 192.0.2.1 40000 110\r\n");

    private static byte[] V2(IPAddress source)
    {
        var header = new List<byte> { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A, 0x21, 0x11, 0x00, 12 };
        header.AddRange(source.GetAddressBytes());
        header.AddRange([192, 0, 2, 1, 0x9C, 0x40, 0x00, 0x6E]);
        return header.ToArray();
    }

    [Fact]
    public async Task An_outside_client_behind_a_trusted_proxy_is_outside()
    {
        await using var raw = await RawClient.ConnectAsync(Proxy, _server.Pop3Port, V1("203.0.113.9"));
        Assert.StartsWith("+OK", await raw.ReadLineAsync());
        Assert.StartsWith("-ERR [AUTH]", await raw.CommandAsync("USER proxied"));
    }

    [Fact]
    public async Task An_inside_client_behind_a_trusted_proxy_sending_v2_is_inside()
    {
        await using var raw = await RawClient.ConnectAsync(Proxy, _server.Pop3Port, V2(IPAddress.Parse("10.1.2.3")));
        Assert.StartsWith("+OK", await raw.ReadLineAsync());
        Assert.StartsWith("+OK", await raw.CommandAsync("USER proxied"));
        Assert.StartsWith("+OK maildrop", await raw.CommandAsync("PASS pw"));
        Assert.StartsWith("+OK", await raw.CommandAsync("QUIT"));
    }

    [Fact]
    public async Task An_outside_client_behind_a_trusted_proxy_logs_in_over_tls()
    {
        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(Proxy, 0));
        await socket.ConnectAsync(IPAddress.Loopback, _server.Pop3sPort);
        await socket.SendAsync(V1("203.0.113.10"));
        using var client = new MailKit.Net.Pop3.Pop3Client { ServerCertificateValidationCallback = (_, _, _, _) => true };
        await client.ConnectAsync(socket, "127.0.0.1", _server.Pop3sPort, MailKit.Security.SecureSocketOptions.SslOnConnect);
        await client.AuthenticateAsync("proxied", "pw");
        await client.DisconnectAsync(true);
    }

    [Fact]
    public async Task A_trusted_proxy_that_sends_no_header_is_cut_off()
    {
        await using var raw = await RawClient.ConnectAsync(Proxy, _server.Pop3Port, Encoding.ASCII.GetBytes("USER proxied\r\n"));
        Assert.Null(await raw.ReadLineAsync());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Anyone_else_sending_a_proxy_header_is_cut_off(bool v2)
    {
        await using var raw = await RawClient.ConnectAsync(TestServer.Inside, _server.Pop3Port,
            v2 ? V2(IPAddress.Parse("10.9.9.9")) : V1("10.9.9.9"));
        var first = await raw.ReadLineAsync();
        // The greeting may already be on its way; nothing after it, and the connection closes.
        Assert.True(first is null || first.StartsWith("+OK"));
        Assert.True(await raw.ClosedByServerAsync());
    }
}
