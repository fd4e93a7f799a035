using MailActors.Configuration;
using MailActors.Storage;
using MimeKit;

namespace MailActors.Delivery;

/// <summary>
/// One attempt for one claimed recipient, start to end: read the message, find the route, send over a lane, and record
/// the outcome in the queue (removal, deferral, or removal with its bounce in one transaction). No actors here: the
/// delivery actors decide when and on which lane this runs.
/// </summary>
public sealed class DeliveryRunner(MailActorsSettings settings, IOutboundQueue queue, IAccountStore accounts, MxRouter router, RetrySchedule schedule)
{
    /// <summary>One attempt for recipients of one message at one destination (one SMTP transaction); an event per recipient.</summary>
    /// <returns>per recipient, the event to publish, or null when the entry was no longer this node's to record (taken over, or removed by an operator).</returns>
    public async Task<IReadOnlyList<(ClaimedRecipient Job, DeliveryEvents.IDeliveryEvent? Event)>> RunAsync(
        IReadOnlyList<ClaimedRecipient> jobs, SmtpLane lane, string owner, string node, CancellationToken ct)
    {
        var first = jobs[0];
        var body = await queue.ReadBodyAsync(first.MessageRow, ct);
        if (body is null) return jobs.Select(j => (j, (DeliveryEvents.IDeliveryEvent?)null)).ToList(); // deleted meanwhile

        var domain = DomainOf(first.Recipient);
        IReadOnlyDictionary<string, DeliveryOutcome> outcomes;
        string? host = null;
        MimeMessage? message = null;
        try { message = MimeMessage.Load(new MemoryStream(body), ct); }
        catch (FormatException) { /* below */ }
        if (message is null) outcomes = jobs.Select(j => j.Recipient).Distinct().ToDictionary(r => r, _ => (DeliveryOutcome)new DeliveryOutcome.Failed("5.6.0", "message could not be parsed"));
        else
        {
            var route = await router.RouteAsync(domain, ct);
            (outcomes, host) = route switch
            {
                Route.Hosts hosts => await lane.SendAsync(hosts.Candidates, message, first.EnvelopeFrom, jobs.Select(j => j.Recipient).ToList(), ct),
                Route.Unroutable unroutable => (jobs.Select(j => j.Recipient).Distinct().ToDictionary(r => r, _ => unroutable.Outcome), null),
                _ => throw new InvalidOperationException(),
            };
        }

        // The send's last await may have completed on the socket's I/O thread (the server runs socket completions inline):
        // leave it before the queue's writes, which wait for the disk.
        await Task.Yield();
        var events = new List<(ClaimedRecipient, DeliveryEvents.IDeliveryEvent?)>();
        foreach (var job in jobs) events.Add((job, await RecordAsync(job, outcomes[job.Recipient], host, body, owner, node, ct)));
        return events;
    }

    private async Task<DeliveryEvents.IDeliveryEvent?> RecordAsync(
        ClaimedRecipient job, DeliveryOutcome outcome, string? host, byte[] body, string owner, string node, CancellationToken ct)
    {
        var attempt = job.Attempts + 1;
        var now = DateTime.UtcNow;
        var destination = host ?? DomainOf(job.Recipient);
        switch (outcome)
        {
            case DeliveryOutcome.Delivered delivered:
                return await queue.DeliveredAsync(job.Id, owner, ct)
                    ? new DeliveryEvents.MessageDelivered(job.QueueId, job.Recipient, job.MessageId, destination, delivered.Reply, attempt, now, node)
                    : null;

            case DeliveryOutcome.Deferred deferred when !schedule.GivesUp(job.CreatedUtc, now):
                var next = schedule.NextAttempt(job.CreatedUtc, now, attempt);
                return await queue.DeferredAsync(job.Id, owner, next, deferred.Reply, ct)
                    ? new DeliveryEvents.DeliveryDeferred(job.QueueId, job.Recipient, job.MessageId, destination, deferred.Reply, attempt, now, node, next)
                    : null;

            default:
                var (status, reply) = outcome is DeliveryOutcome.Failed failed
                    ? (failed.Status, failed.Reply)
                    : ("4.4.7", $"gave up after {attempt} attempt(s) over {settings.Relay.GiveUpAfter}; last reply: {outcome.Reply}");
                var (bounce, where) = await BounceFor(job, body, new FailedRecipient(job.Recipient, status, reply, host), now, ct);
                return await queue.FailedAsync(job.Id, owner, reply, bounce, ct)
                    ? new DeliveryEvents.MessageBounced(job.QueueId, job.Recipient, job.MessageId, destination, reply, attempt, now, node, status, where)
                    : null;
        }
    }

    /// <summary>
    /// The DSN for the envelope sender: into the local mailbox when the sender is a local account, else queued out with
    /// the null sender; none at all for the null sender (a bounce never bounces) or a local domain's unknown account.
    /// </summary>
    private async Task<(BounceDelivery? Bounce, string Where)> BounceFor(ClaimedRecipient job, byte[] body, FailedRecipient failed, DateTime now, CancellationToken ct)
    {
        if (job.EnvelopeFrom.Length == 0) return (null, "none");
        MimeMessage dsn;
        try { dsn = DsnBuilder.Build(settings.Hostname, job.EnvelopeFrom, job.QueueId, job.CreatedUtc, [failed], body, now); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Never a reason to keep a permanently failed recipient in the queue for ever; the event tells why.
            return (null, $"none: no DSN could be built ({e.GetType().Name}: {e.Message})");
        }
        var at = job.EnvelopeFrom.LastIndexOf('@');
        if (at > 0 && settings.LocalDomains.Contains(job.EnvelopeFrom[(at + 1)..].ToLowerInvariant()))
        {
            var account = job.EnvelopeFrom[..at].ToLowerInvariant();
            return await accounts.FindAccountAsync(account, ct) is not null
                ? (new BounceDelivery.Local(account, DsnBuilder.ToBytes(dsn, withReturnPath: true)), "local:" + account)
                : (null, "none: no local account " + account); // sending it out would only come back here to a 550
        }
        var queueId = Uidl.New()[..12].ToUpperInvariant();
        return (new BounceDelivery.Outbound(queueId, dsn.MessageId, job.EnvelopeFrom, DsnBuilder.ToBytes(dsn, withReturnPath: false)), "queued:" + queueId);
    }

    public static string DomainOf(string recipient)
    {
        var at = recipient.LastIndexOf('@');
        return at < 0 ? "" : recipient[(at + 1)..].ToLowerInvariant();
    }
}
