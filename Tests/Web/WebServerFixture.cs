using MailActors.Tests.Support;

namespace MailActors.Tests.Web;

/// <summary>
/// One server for the web tests, under the test profile: 127.0.0.1 inside, 127.0.0.3 the dial-up pool, 127.0.0.2 outside;
/// two local domains; alice has a login password.
/// </summary>
public sealed class WebServerFixture : IAsyncLifetime
{
    public const string Password = "alice-login-pw";
    public TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await TestServer.StartAsync("""mailactors.local-domains = ["example.test", "example.org"]""");
        await Server.AddUserAsync("alice", Password);
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
