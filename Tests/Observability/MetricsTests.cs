using System.Net;
using System.Net.Http.Json;
using MailActors.Host.Admin;
using MailActors.Tests.Support;
using MailKit.Security;

namespace MailActors.Tests.Observability;

/// <summary>
/// <c>/metrics</c> on a real node after real POP3 and SMTP sessions (docs/spec.md §13): each figure moves by exactly what the
/// sessions did, under the node's own label (other test servers in this process export theirs beside it).
/// </summary>
[Trait("Category", "Slow")]
public sealed class MetricsTests : IAsyncLifetime
{
    private const string Password = "alice-login-pw";
    private TestServer _server = null!;
    private string _node = null!;
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(admin: true);
        await _server.AddUserAsync("alice", Password);
        _node = (await AdminHttp.For(_server.DataDir).GetFromJsonAsync<StatusView>(Admin("status"), GrantView.Json))!.Node;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Uri Admin(string path) => _server.AdminUri(path);

    private Task<PrometheusScrape> ScrapeAsync() => PrometheusScrape.GetAsync(Http, Admin("metrics"));

    private double Of(PrometheusScrape scrape, string name, params (string, string)[] labels) =>
        scrape.Value(name, [("node", _node), .. labels]);

    private static (string, string) L(string key, string value) => (key, value);

    [Fact]
    public async Task Sessions_move_the_connection_authentication_and_message_counters_by_exactly_what_they_did()
    {
        var before = await ScrapeAsync();

        // POP3: a login over TLS from outside (earns a grant), a wrong password there, and a clear-text USER from outside.
        using (var pop = await Pop3Clients.ConnectAsync(_server, TestServer.Outside, _server.Pop3sPort, SecureSocketOptions.SslOnConnect))
        {
            await pop.AuthenticateAsync("alice", Password);
            await pop.DisconnectAsync(true);
        }
        using (var pop = await Pop3Clients.ConnectAsync(_server, TestServer.Outside, _server.Pop3sPort, SecureSocketOptions.SslOnConnect))
        {
            await Assert.ThrowsAsync<AuthenticationException>(() => pop.AuthenticateAsync("alice", "wrong"));
            await pop.DisconnectAsync(true);
        }
        await using (var raw = await RawClient.ConnectAsync(TestServer.Outside, _server.Pop3Port))
        {
            Assert.StartsWith("+OK", await raw.ReadLineAsync());
            Assert.StartsWith("-ERR [AUTH]", await raw.CommandAsync("USER alice"));
            Assert.StartsWith("+OK", await raw.CommandAsync("QUIT"));
        }
        // SMTP: from inside, one message to alice and one to a remote recipient and alice; from outside under the grant, one relayed.
        using (var smtp = await SmtpClients.ConnectAsync(_server, TestServer.Inside, _server.SmtpPort))
        {
            await smtp.SendAsync(SmtpClients.Message("bob@example.test", "alice@example.test"));
            var both = SmtpClients.Message("bob@example.test", "far@remote.test");
            both.To.Add(MimeKit.MailboxAddress.Parse("alice@example.test"));
            await smtp.SendAsync(both);
            await smtp.DisconnectAsync(true);
        }
        using (var smtp = await SmtpClients.ConnectAsync(_server, TestServer.Outside, _server.SubmissionPort))
        {
            var two = SmtpClients.Message("alice@example.test", "one@remote.test");
            two.To.Add(MimeKit.MailboxAddress.Parse("two@remote.test"));
            await smtp.SendAsync(two);
            await smtp.DisconnectAsync(true);
        }

        // Every session has ended once no connection is open any more.
        PrometheusScrape after = null!;
        await Eventually.AssertAsync(async () =>
        {
            after = await ScrapeAsync();
            return after.Matching("mailactors_connections", ("node", _node)).All(s => s.Value == 0)
                && Of(after, "mailactors_connections_accepted_total") - Of(before, "mailactors_connections_accepted_total") == 5;
        }, "all five sessions counted and closed");

        double Delta(string name, params (string, string)[] labels) => Of(after, name, labels) - Of(before, name, labels);

        Assert.Equal(2, Delta("mailactors_connections_accepted_total", L("listener", "pop3s")));
        Assert.Equal(1, Delta("mailactors_connections_accepted_total", L("listener", "pop3")));
        Assert.Equal(1, Delta("mailactors_connections_accepted_total", L("listener", "smtp")));
        Assert.Equal(1, Delta("mailactors_connections_accepted_total", L("listener", "submission")));

        Assert.Equal(1, Delta("mailactors_authentications_total", L("listener", "pop3s"), L("mechanism", "userpass"), L("result", "success")));
        Assert.Equal(1, Delta("mailactors_authentications_total", L("listener", "pop3s"), L("mechanism", "userpass"), L("result", "failure")));
        Assert.Equal(1, Delta("mailactors_authentications_total", L("listener", "pop3"), L("mechanism", "userpass"), L("result", "refused_by_policy")));
        Assert.Equal(3, Delta("mailactors_authentications_total"));

        Assert.Equal(2, Delta("mailactors_messages_accepted_total", L("listener", "smtp"), L("destination", "local")));
        Assert.Equal(1, Delta("mailactors_messages_accepted_total", L("listener", "smtp"), L("destination", "relayed")));
        Assert.Equal(1, Delta("mailactors_messages_accepted_total", L("listener", "submission"), L("destination", "relayed")));
        Assert.Equal(0, Delta("mailactors_messages_accepted_total", L("listener", "submission"), L("destination", "local")));
        Assert.Equal(1, Delta("mailactors_relayed_recipients_total", L("listener", "smtp"), L("mechanism", "network")));
        Assert.Equal(2, Delta("mailactors_relayed_recipients_total", L("listener", "submission"), L("mechanism", "grant")));
    }

    [Fact]
    public async Task Smtp_auth_is_counted_by_result_and_what_it_relays_by_mechanism()
    {
        var before = await ScrapeAsync();
        using (var smtp = await SmtpClients.ConnectAsync(_server, TestServer.Outside, _server.SubmissionPort, SecureSocketOptions.StartTls))
        {
            // One mechanism named: given a password alone, MailKit tries PLAIN and then LOGIN, two failures.
            await Assert.ThrowsAsync<AuthenticationException>(() => smtp.AuthenticateAsync(new SaslMechanismPlain("alice", "wrong")));
            await smtp.AuthenticateAsync("alice", Password);
            await smtp.SendAsync(SmtpClients.Message("alice@example.test", "far@remote.test"));
            await smtp.DisconnectAsync(true);
        }
        PrometheusScrape after = null!;
        await Eventually.AssertAsync(async () =>
        {
            after = await ScrapeAsync();
            return Of(after, "mailactors_connections", L("listener", "submission")) == 0;
        }, "the session closed");

        double Delta(string name, params (string, string)[] labels) => Of(after, name, labels) - Of(before, name, labels);
        Assert.Equal(1, Delta("mailactors_authentications_total", L("listener", "submission"), L("mechanism", "smtpauth"), L("result", "success")));
        Assert.Equal(1, Delta("mailactors_authentications_total", L("listener", "submission"), L("mechanism", "smtpauth"), L("result", "failure")));
        Assert.Equal(2, Delta("mailactors_authentications_total"));
        Assert.Equal(1, Delta("mailactors_relayed_recipients_total", L("listener", "submission"), L("mechanism", "smtpauth")));
        Assert.Equal(1, Delta("mailactors_relayed_recipients_total"));
        Assert.Equal(1, Delta("mailactors_connections_accepted_total"));
    }

    [Fact]
    public async Task Live_grants_and_the_outbound_queue_are_gauges_of_what_the_node_last_learned()
    {
        await Eventually.AssertAsync(async () =>
        {
            var s = await ScrapeAsync();
            return Of(s, "mailactors_grants_live") == 0 && s.Matching("mailactors_queue_depth", ("node", _node)).Count() == 2
                && Of(s, "mailactors_queue_depth") == 0 && !s.Matching("mailactors_queue_oldest_age_seconds", ("node", _node)).Any();
        }, "an empty node exports 0 grants and an empty queue");

        using (var pop = await Pop3Clients.ConnectAsync(_server, TestServer.Outside, _server.Pop3sPort, SecureSocketOptions.SslOnConnect))
        {
            await pop.AuthenticateAsync("alice", Password);
            await pop.DisconnectAsync(true);
        }
        using (var smtp = await SmtpClients.ConnectAsync(_server, TestServer.Inside, _server.SmtpPort))
        {
            var message = SmtpClients.Message("bob@example.test", "one@remote.test");
            message.To.Add(MimeKit.MailboxAddress.Parse("two@remote.test"));
            await smtp.SendAsync(message);
            await smtp.DisconnectAsync(true);
        }

        await Eventually.AssertAsync(async () =>
        {
            var s = await ScrapeAsync();
            return Of(s, "mailactors_grants_live") == 1
                // the test profile's smarthost is a closed port: delivery may already have tried (and deferred) them
                && Of(s, "mailactors_queue_depth", L("state", "queued")) + Of(s, "mailactors_queue_depth", L("state", "deferred")) == 2
                && s.Matching("mailactors_queue_oldest_age_seconds", ("node", _node)).Any();
        }, "one grant live and two recipients waiting");
    }

    [Fact]
    public async Task Delivery_attempts_are_exported_at_zero_for_each_result_before_any_delivery()
    {
        var scrape = await ScrapeAsync();
        foreach (var result in new[] { "delivered", "deferred", "failed" })
            Assert.Equal(0, Assert.Single(scrape.Matching("mailactors_delivery_attempts_total", ("node", _node), ("result", result))).Value);
        Assert.Contains("# TYPE mailactors_delivery_attempts_total counter", scrape.Text);
        Assert.Contains("# TYPE mailactors_connections gauge", scrape.Text);
        Assert.Contains("# TYPE mailactors_grants_live gauge", scrape.Text);
    }
}
