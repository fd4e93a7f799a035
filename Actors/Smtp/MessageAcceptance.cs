using Akka.Event;
using MailActors.Audit;
using MailActors.Observability;
using MailActors.Policy;
using MailActors.Quotas;
using MailActors.Sessions;
using MailActors.Storage;
using static MailActors.Smtp.SmtpEffect;

namespace MailActors.Smtp;

/// <summary>The SMTP end-of-DATA effect: the message committed before the client reads 250 (docs/spec.md §6, §8).</summary>
public static class MessageAcceptance
{
    /// <summary>Stores the message durably, records its local copies and (before the 250) its relay, and gives the
    /// step the machine takes next: 250 with the queue id, or the temporary failure. The message comes whole into
    /// memory only here, within the node's <paramref name="commits"/> budget (docs/spec.md §14).</summary>
    public static async Task<SmtpStep> AcceptAsync(SmtpState state, Deliver deliver, IMailIntake intake, CommitBudget commits,
        SessionContext session, string name, ILoggingAdapter log)
    {
        using var body = deliver.Body;
        using var lease = await commits.ReserveAsync(CommitBudget.CostOf(body.Length));
        if (lease is null)
        {
            log.Warning("smtp {0}: message of {1} octets not stored: the node's commit budget stayed full (limits.commit-memory)",
                state.Connection.Client, body.Length);
            return SmtpMachine.CommitsBusy(state);
        }
        var queueId = Uidl.New()[..12].ToUpperInvariant();
        IncomingMessage message;
        try
        {
            message = MessageComposer.Compose(state, deliver.Envelope, body.ToArray(), queueId, DateTimeOffset.UtcNow);
            await intake.AcceptAsync(message);
        }
        catch (QuotaReachedException full)
        {
            log.Info("smtp {0}: message {1} not stored: mailbox {2} filled up after RCPT", state.Connection.Client, queueId, full.Account);
            return SmtpMachine.Stored(state, null, full.Account);
        }
        catch (Exception e)
        {
            session.Facts.Fault(name, $"store of message {queueId}", e);
            return SmtpMachine.Stored(state, null);
        }
        RecordLocalDeliveries(state, deliver.Envelope, message, session);
        if (message.RelayRecipients.Count > 0) await RecordRelayAsync(state, deliver.Envelope, message, session, name);
        MailMetrics.MessageAccepted(session.Node, session.ListenerName, message.LocalAccounts.Count,
            message.RelayRecipients.Count, message.RelayRecipients.Count > 0 ? RelayMechanismName(deliver.Envelope) : null);
        if (log.IsDebugEnabled)
            log.Debug($"smtp accepted: id={queueId} client={state.Connection.Client} listener={session.ListenerName} " +
                      $"from=<{deliver.Envelope.Sender}> local={message.LocalAccounts.Count} relayed={message.RelayRecipients.Count} " +
                      $"relay-account={message.RelayAccount ?? "-"} message-id={message.MessageId ?? "-"}");
        return SmtpMachine.Stored(state, queueId);
    }

    /// <summary>
    /// The audit record of a relayed message is persisted before the client reads 250, so that a message that leaves
    /// is always traceable to its grant or AUTH. The message itself is already committed: if the record cannot be
    /// written, the message is still accepted (refusing now would only make the client send it twice).
    /// </summary>
    private static async Task RecordRelayAsync(SmtpState state, Envelope envelope, IncomingMessage message, SessionContext session, string name)
    {
        var c = state.Connection;
        var permit = RelayPermitOf(envelope);
        var fact = new RelayAccepted(message.QueueId, message.MessageId, envelope.Sender, message.RelayRecipients.Count,
            c.Client.ToString(), session.ListenerName, RelayMechanismName(envelope), permit?.Rule ?? AliasForwardRule, permit?.Account,
            permit?.Grant?.Key, permit?.Grant?.IssuedAt, session.Node, DateTime.UtcNow);
        try
        {
            await session.Facts.RecordDurablyAsync(fact);
        }
        catch (Exception e)
        {
            session.Facts.Fault(name, $"audit record of relayed message {message.QueueId}", e);
        }
    }

    /// <summary>Each local copy, committed, is a fact (docs/spec.md §8): the start of the message's life in that mailbox.</summary>
    private static void RecordLocalDeliveries(SmtpState state, Envelope envelope, IncomingMessage message, SessionContext session)
    {
        var now = DateTime.UtcNow;
        foreach (var (account, uidl) in message.LocalAccounts.Zip(message.LocalUidls))
            session.Facts.Record(new LocalDelivered(message.QueueId, message.MessageId, account, uidl, envelope.Sender,
                state.Connection.Client.ToString(), session.ListenerName, session.Node, now));
    }

    /// <summary>Mail relayed only because a local alias forwards it: the server's own mail, on no permit of the client's.</summary>
    private const string AliasForwardRule = "alias-forward", AliasMechanism = "alias";

    private static RelayPermit? RelayPermitOf(Envelope envelope) =>
        envelope.Relayed.Select(r => r.Relay).FirstOrDefault(p => p is not null) ?? envelope.SenderPermit;

    /// <summary>What let the message's relayed recipients out: a grant, SMTP AUTH, the client's network, or only an alias.</summary>
    private static string RelayMechanismName(Envelope envelope) => RelayPermitOf(envelope) switch
    {
        null => AliasMechanism,
        { Grant: not null } => MechanismNames.Of(Mechanism.Grant),
        { Account: not null } => MechanismNames.Of(Mechanism.SmtpAuth),
        _ => MechanismNames.Of(Mechanism.Network),
    };
}
