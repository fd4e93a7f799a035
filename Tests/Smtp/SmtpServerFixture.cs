using MailActors.Tests.Support;

namespace MailActors.Tests.Smtp;

/// <summary>One server for the SMTP end-to-end tests: alice and bob are local users; 127.0.0.4 is a trusted proxy.</summary>
public sealed class SmtpServerFixture : IAsyncLifetime
{
    public const string Password = "alice-login-pw";
    public TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await TestServer.StartAsync("""
            mailactors.networks { trusted-proxies = ["127.0.0.4/32"], internal = ["127.0.0.1/32", "127.0.0.4/32", "10.0.0.0/8"] }
            mailactors.limits.max-message-size = 64KiB
            """);
        await Server.AddUserAsync("alice", Password);
        await Server.AddUserAsync("bob", "bob-pw");
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
