using MailActors.Tests.Support;

namespace MailActors.Tests.AuthFailures;

/// <summary>docs/spec.md §14 through real POP3S connections: parallel guesses cost at most the limit, and a stranger
/// who locks an account does not lock its owner out of the address the owner logs in from.</summary>
[Trait("Category", "Slow")]
public sealed class ParallelGuessingTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync("mailactors.limits.auth-failures { per-address = 10, per-account = 10, window = 10m, block = 10m }");
        await _server.AddUserAsync("alice", "alice-right");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private async Task<string> Pop3sLoginAsync(System.Net.IPAddress from, string user, string password)
    {
        await using var raw = await RawClient.ConnectAsync(from, _server.Pop3sPort);
        await raw.StartTlsAsync(); // implicit TLS: the handshake comes first
        return (await raw.LoginAsync(user, password))!;
    }

    [Fact]
    public async Task Two_hundred_parallel_wrong_passwords_for_one_account_get_at_most_the_limit_of_checks_and_the_owner_still_logs_in_from_home()
    {
        var home = System.Net.IPAddress.Parse("127.0.3.1");
        Assert.StartsWith("+OK", await Pop3sLoginAsync(home, "alice", "alice-right"));

        var guesses = Enumerable.Range(1, 200).Select(i => Pop3sLoginAsync(System.Net.IPAddress.Parse($"127.0.2.{i}"), "alice", "guess" + i));
        var replies = await Task.WhenAll(guesses);

        var checkedAndWrong = replies.Count(r => r.StartsWith("-ERR [AUTH]"));
        var refusedUnchecked = replies.Count(r => r.StartsWith("-ERR [LOGIN-DELAY]"));
        Assert.True(checkedAndWrong <= 10, $"{checkedAndWrong} of 200 parallel guesses had their password checked (limit 10)");
        Assert.Equal(200, checkedAndWrong + refusedUnchecked);
        Assert.DoesNotContain(replies, r => r.StartsWith("+OK"));

        Assert.StartsWith("-ERR [LOGIN-DELAY]", await Pop3sLoginAsync(System.Net.IPAddress.Parse("127.0.3.2"), "alice", "alice-right"));
        Assert.StartsWith("+OK", await Pop3sLoginAsync(home, "alice", "alice-right"));
    }

    [Fact]
    public async Task Right_passwords_in_parallel_from_one_address_all_log_in_though_they_outnumber_its_failure_limit()
    {
        // a campus NAT: many users behind one address log in at once; attempts in flight wait their turn for the
        // failure budget (docs/spec.md §14) rather than being refused as if they had failed
        await using var server = await TestServer.StartAsync("mailactors.limits.auth-failures { per-address = 3, per-account = 3 }");
        var users = Enumerable.Range(1, 12).Select(i => "user" + i).ToList();
        foreach (var user in users) await server.AddUserAsync(user, user + "-pw");

        var replies = await Task.WhenAll(users.Select(async user =>
        {
            await using var raw = await RawClient.ConnectAsync(TestServer.Inside, server.Pop3Port);
            return (await raw.LoginAsync(user, user + "-pw"))!;
        }));

        Assert.All(replies, reply => Assert.StartsWith("+OK", reply));
    }
}
