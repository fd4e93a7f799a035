using System.Security.Cryptography;
using Akka.Actor;
using Akka.Event;

namespace MailActors.Audit;

/// <summary>
/// Signs this node's audit stream heads every <c>audit.checkpoint-interval</c> and at a graceful stop (docs/spec.md §8):
/// its own stream, and the grant ledger's while the ledger runs here. The line goes to the checkpoint file and to the log,
/// so a log shipper carries it off the machine.
/// </summary>
public sealed class Checkpointer : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Write a checkpoint now; answers <see cref="Written"/> (with the line, or null when it could not).</summary>
    public sealed class Write
    {
        public static readonly Write Instance = new();
    }

    public sealed record Written(string? Line);

    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed record Heads(IReadOnlyList<StreamHead> Streams, IActorRef ReplyTo);

    public Checkpointer(string node, ECDsa key, string file, TimeSpan interval, IActorRef audit, string ledgerPath)
    {
        var log = Context.GetLogger();
        Timers.StartPeriodicTimer("checkpoint", Tick.Instance, interval);
        Receive<Tick>(_ => Collect(audit, Context.ActorSelection(ledgerPath), ActorRefs.Nobody));
        Receive<Write>(_ => Collect(audit, Context.ActorSelection(ledgerPath), Sender));
        Receive<Heads>(h =>
        {
            string? line = null;
            try
            {
                line = Checkpoint.Sign(DateTime.UtcNow, node, h.Streams, key);
                CheckpointFile.Append(file, line);
                log.Info("audit checkpoint {0}", line);
            }
            catch (IOException e)
            {
                log.Error("audit checkpoint not written to {0}: {1}; the checkpoint: {2}", file, e.Message, line);
            }
            h.ReplyTo.Tell(new Written(line));
        });
        Receive<Status.Failure>(f => log.Warning("audit checkpoint skipped: {0}", f.Cause.Message));
    }

    private void Collect(IActorRef audit, ActorSelection ledger, IActorRef replyTo) =>
        HeadsAsync(audit, ledger).PipeTo(Self, success: heads => new Heads(heads, replyTo),
            failure: e => { replyTo.Tell(new Written(null)); return new Status.Failure(e); });

    /// <summary>This node's stream, and the ledger's when its singleton is a local actor (it is not found otherwise).</summary>
    private static async Task<IReadOnlyList<StreamHead>> HeadsAsync(IActorRef audit, ActorSelection ledgerSelection)
    {
        var heads = new List<StreamHead> { await audit.Ask<StreamHead>(StreamHead.Get.Instance, AskTimeout) };
        IActorRef? ledger = null;
        try
        {
            ledger = await ledgerSelection.ResolveOne(AskTimeout);
        }
        catch (ActorNotFoundException)
        {
            // the ledger runs on another node, which checkpoints it
        }
        if (ledger is not null) heads.Add(await ledger.Ask<StreamHead>(StreamHead.Get.Instance, AskTimeout));
        return heads;
    }

    public static Props Props(string node, ECDsa key, string file, TimeSpan interval, IActorRef audit, string ledgerPath) =>
        Akka.Actor.Props.Create(() => new Checkpointer(node, key, file, interval, audit, ledgerPath));
}
