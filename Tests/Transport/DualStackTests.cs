using System.Net;
using MailActors.Tests.Support;

namespace MailActors.Tests.Transport;

/// <summary>Bound to "::", a listener serves IPv6 and IPv4; IPv4-mapped addresses are judged as IPv4 (docs/spec.md §3).</summary>
[Trait("Category", "Slow")]
public sealed class DualStackTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync("""mailactors.bind-address = "::" """);
        await _server.AddUserAsync("dual", "pw");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task An_ipv6_campus_client_logs_in_in_clear_text()
    {
        await using var raw = await RawClient.ConnectAsync(IPAddress.IPv6Loopback, _server.Pop3Port);
        Assert.StartsWith("+OK", await raw.ReadLineAsync());
        Assert.StartsWith("+OK", await raw.CommandAsync("USER dual"));
        Assert.StartsWith("+OK maildrop", await raw.CommandAsync("PASS pw"));
    }

    [Fact]
    public async Task An_ipv4_client_on_the_dual_stack_socket_is_judged_by_its_ipv4_address()
    {
        await using (var inside = await RawClient.ConnectAsync(TestServer.Inside, _server.Pop3Port))
        {
            await inside.ReadLineAsync();
            Assert.StartsWith("+OK", await inside.CommandAsync("USER dual"));
        }
        await using var outside = await RawClient.ConnectAsync(TestServer.Outside, _server.Pop3Port);
        await outside.ReadLineAsync();
        Assert.StartsWith("-ERR [AUTH]", await outside.CommandAsync("USER dual"));
    }
}
