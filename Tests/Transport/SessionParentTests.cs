using Akka.Actor;
using MailActors.Tests.Support;

namespace MailActors.Tests.Transport;

/// <summary>
/// Issue 16: a session actor runs on its connection's event loop and is the child of that loop's session parent, not
/// of the <c>/user</c> guardian, so that its start and its end are handled on the loop's own thread. Once a loop's parent
/// is up, every new session is its child, and a closed connection's session is gone from it.
/// </summary>
[Trait("Category", "Slow")]
public sealed class SessionParentTests
{
    [Fact]
    public async Task Sessions_are_children_of_their_event_loops_parent_and_leave_it_when_their_connection_closes()
    {
        await using var server = await TestServer.StartAsync();
        // The first connection on each loop starts the loop's parent (its session is still a guardian child).
        for (var i = 0; i < 2 * Environment.ProcessorCount; i++)
        {
            await using var warm = await RawClient.ConnectAsync(TestServer.Inside, server.Pop3Port);
            Assert.StartsWith("+OK", await warm.ReadLineAsync());
        }
        await Eventually.AssertAsync(() => Task.FromResult(Sessions(server).Count == 0 && Parents(server).Count == Environment.ProcessorCount
            && Parents(server).All(p => ((ActorRefWithCell)p).Underlying is ActorCell)), "every loop's parent has started and the warm-up sessions have ended");

        var open = new List<RawClient>();
        try
        {
            for (var i = 0; i < 4; i++)
            {
                open.Add(await RawClient.ConnectAsync(TestServer.Inside, i % 2 == 0 ? server.Pop3Port : server.SmtpPort));
                Assert.StartsWith(i % 2 == 0 ? "+OK" : "220", await open[^1].ReadLineAsync());
            }
            var sessions = Sessions(server);
            Assert.Equal(4, sessions.Count);
            Assert.All(sessions, s => Assert.Matches("^/user/sessions-[0-9]+/", s.Path.ToStringWithoutAddress()));
            Assert.All(sessions, s => Assert.StartsWith("mailactors.session-loop-", ((ActorRefWithCell)s).Underlying.Props.Dispatcher));
        }
        finally
        {
            foreach (var client in open) await client.DisposeAsync();
        }
        await Eventually.AssertAsync(() => Task.FromResult(Sessions(server).Count == 0), "a closed connection's session leaves its parent");
    }

    /// <summary>The session parents, one per event loop that has had a connection.</summary>
    private static List<IActorRef> Parents(TestServer server) =>
        ((ActorRefWithCell)((ExtendedActorSystem)server.System).Guardian).Children.Where(c => c.Path.Name.StartsWith("sessions-")).ToList();

    /// <summary>The live children of the session parents.</summary>
    private static List<IActorRef> Sessions(TestServer server) => Parents(server).SelectMany(parent => ((ActorRefWithCell)parent).Children).ToList();
}
