using System.Net.Sockets;
using MailActors.Configuration;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace MailActors.Delivery;

/// <summary>
/// One outbound SMTP connection, kept open between messages to the same destination (connection reuse). TLS is
/// opportunistic, as between MTAs: STARTTLS when offered, and an untrusted certificate does not stop delivery
/// (RFC 7435) — refusing it would only push the mail to clear text elsewhere. One lane carries one transaction at a time.
/// </summary>
public sealed class SmtpLane(string heloName, TimeSpan commandTimeout) : IAsyncDisposable
{
    private LaneClient? _client;

    /// <summary>The host this lane is connected to, if any.</summary>
    public string? ConnectedHost { get; private set; }

    public DateTime IdleSinceUtc { get; private set; } = DateTime.UtcNow;

    /// <summary>
    /// Sends <paramref name="message"/> to its recipients at this destination in one transaction over this lane,
    /// connecting to the first candidate that answers. A recipient the remote refuses at RCPT gets its own outcome; the
    /// others go on.
    /// </summary>
    /// <returns>an outcome per recipient, and the host that gave them (null when no host answered).</returns>
    public async Task<(IReadOnlyDictionary<string, DeliveryOutcome> Outcomes, string? Host)> SendAsync(
        IReadOnlyList<NextHop> candidates, MimeMessage message, string envelopeFrom, IReadOnlyList<string> recipients, CancellationToken ct)
    {
        IReadOnlyDictionary<string, DeliveryOutcome> All(DeliveryOutcome outcome) => recipients.Distinct().ToDictionary(r => r, _ => outcome);

        try
        {
            if (_client is not { IsConnected: true })
            {
                await CloseAsync();
                DeliveryOutcome? lastFailure = null;
                foreach (var hop in candidates)
                {
                    var client = new LaneClient
                    {
                        LocalDomain = heloName,
                        Timeout = (int)Math.Min(int.MaxValue, commandTimeout.TotalMilliseconds),
                        CheckCertificateRevocation = false,
                        ServerCertificateValidationCallback = (_, _, _, _) => true,
                    };
                    try
                    {
                        await client.ConnectAsync(await ConnectSocketAsync(hop, ct), hop.Host, hop.Port, SecureSocketOptions.StartTlsWhenAvailable, ct);
                        _client = client;
                        ConnectedHost = hop.ToString();
                        break;
                    }
                    catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                    {
                        client.Dispose();
                        lastFailure = OutcomeClassifier.Classify(e) switch
                        {
                            // A refusal at the greeting is the host's, not the recipient's: another MX may take it.
                            DeliveryOutcome.Failed f => new DeliveryOutcome.Deferred(f.Reply),
                            var o => o,
                        };
                        lastFailure = lastFailure with { Reply = $"{hop}: {lastFailure.Reply}" };
                    }
                }
                if (_client is null) return (All(lastFailure ?? new DeliveryOutcome.Deferred("no host to connect to")), null);
            }

            var from = new MailboxAddress("", envelopeFrom);
            var mailboxes = recipients.Distinct().Select(r => (Recipient: r, Mailbox: new MailboxAddress("", r))).ToList();
            _client.Refused.Clear();
            DeliveryOutcome accepted;
            try
            {
                var reply = await _client.SendAsync(FormatOptions.Default, message, from, mailboxes.Select(m => m.Mailbox), ct);
                accepted = new DeliveryOutcome.Delivered("250 " + reply.Trim());
            }
            catch (NoRecipientAcceptedException)
            {
                // Every RCPT refused: no transaction; the connection is still good (MailKit sent RSET).
                accepted = new DeliveryOutcome.Deferred("no recipient accepted");
            }
            return (mailboxes.ToDictionary(m => m.Recipient, m => _client.RefusalOf(m.Mailbox) ?? accepted), ConnectedHost);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            var host = ConnectedHost;
            // After a failed transaction the connection's state is not worth trusting: the next one starts afresh.
            await CloseAsync();
            return (All(OutcomeClassifier.Classify(e)), host);
        }
        finally
        {
            IdleSinceUtc = DateTime.UtcNow;
        }
    }

    /// <summary>
    /// A TCP connection with Nagle's algorithm off: SMTP writes a command or the last piece of the data and then waits for
    /// the reply, and with Nagle on, that last small write waits for the peer's delayed ACK (40 ms on Linux) every time.
    /// </summary>
    private async Task<Socket> ConnectSocketAsync(NextHop hop, CancellationToken ct)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true }; // dual-mode: IPv4 and IPv6
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(commandTimeout);
        try
        {
            await socket.ConnectAsync(hop.Host, hop.Port, timeout.Token);
            return socket;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            socket.Dispose();
            throw new TimeoutException($"no connection to {hop} within {commandTimeout.TotalSeconds:0} s");
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>MailKit's client, told not to abandon a transaction because one RCPT was refused (RFC 5321 3.3).</summary>
    private sealed class LaneClient : SmtpClient
    {
        public List<(MailboxAddress Mailbox, DeliveryOutcome Outcome)> Refused { get; } = [];

        protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
            Refused.Add((mailbox, OutcomeClassifier.FromReply((int)response.StatusCode, response.Response)));

        /// <summary>The refusal of a recipient we passed in (the same object, else the same address), if it was refused.</summary>
        public DeliveryOutcome? RefusalOf(MailboxAddress mailbox) =>
            Refused.FirstOrDefault(r => ReferenceEquals(r.Mailbox, mailbox)).Outcome
            ?? Refused.FirstOrDefault(r => string.Equals(r.Mailbox.Address, mailbox.Address, StringComparison.OrdinalIgnoreCase)).Outcome;

        protected override void OnNoRecipientsAccepted(MimeMessage message) => throw new NoRecipientAcceptedException();
    }

    private sealed class NoRecipientAcceptedException : Exception;

    public async Task CloseAsync()
    {
        var client = _client;
        _client = null;
        ConnectedHost = null;
        if (client is null) return;
        try
        {
            if (client.IsConnected)
            {
                using var quit = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await client.DisconnectAsync(true, quit.Token);
            }
        }
        catch (Exception) { /* QUIT is a courtesy */ }
        finally { client.Dispose(); }
    }

    public ValueTask DisposeAsync() => new(CloseAsync());
}
