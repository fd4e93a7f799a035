using MailActors.Tests.Support;

namespace MailActors.Tests.Transport;

/// <summary>limits.max-connections: past it a node refuses politely instead of running out of file descriptors.</summary>
[Trait("Category", "Slow")]
public sealed class ConnectionCapTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync("mailactors.limits.max-connections = 2");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Connections_over_the_node_cap_are_told_to_come_back_and_room_frees_up_when_one_closes()
    {
        var first = await RawClient.ConnectAsync(TestServer.Inside, _server.Pop3Port);
        await using var second = await RawClient.ConnectAsync(TestServer.Inside, _server.ApopPort);
        Assert.StartsWith("+OK", await first.ReadLineAsync());
        Assert.StartsWith("+OK", await second.ReadLineAsync());

        await using (var third = await RawClient.ConnectAsync(TestServer.Inside, _server.Pop3Port))
        {
            Assert.Equal("-ERR [SYS/TEMP] server busy; try again in a minute", await third.ReadLineAsync());
            Assert.True(await third.ClosedByServerAsync());
        }

        Assert.StartsWith("+OK", await first.CommandAsync("QUIT"));
        await first.DisposeAsync();
        await Eventually.AssertAsync(async () =>
        {
            await using var again = await RawClient.ConnectAsync(TestServer.Inside, _server.Pop3Port);
            return (await again.ReadLineAsync())?.StartsWith("+OK") == true;
        }, "a new connection is accepted once one has closed");
    }
}
