using System.Diagnostics;

namespace MailActors.Storage;

/// <summary>
/// Group commit: items handed in concurrently are written by one thread in one transaction, and each caller
/// is answered only after that transaction committed. One fsync then covers many messages, which is how a
/// durable 250 can be fast. If a batch fails, its items are retried one by one, so one bad item fails alone.
/// </summary>
public sealed class GroupCommitter<T> : IDisposable
{
    private const int MaxBatch = 256;
    // A plain queue under a lock, not a BlockingCollection: the writer waits in Monitor.Wait, which blocks at once,
    // where BlockingCollection's semaphore spins (sched_yield, ~20 times) every time the writer runs out of work.
    private readonly Queue<(T Item, TaskCompletionSource Done)> _queue = new();
    private bool _adding = true;
    private readonly Action<IReadOnlyList<T>> _commit;
    private readonly Action? _stopped;
    private readonly Thread _writer;

    /// <param name="commit">writes the items in one transaction and commits, or throws having written none.</param>
    /// <param name="stopped">runs on the writer thread after its last commit: where it closes what it commits with, so
    /// that nothing is closed under a commit still running when <see cref="Dispose"/> gives up waiting.</param>
    public GroupCommitter(string name, Action<IReadOnlyList<T>> commit, Action? stopped = null)
    {
        _commit = commit;
        _stopped = stopped;
        _writer = new Thread(Run) { IsBackground = true, Name = name };
        _writer.Start();
    }

    public Task CommitAsync(T item)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_queue)
        {
            if (!_adding)
            {
                done.SetException(new ObjectDisposedException(nameof(GroupCommitter<T>)));
                return done.Task;
            }
            if (_queue.Count == 0) Monitor.Pulse(_queue);
            _queue.Enqueue((item, done));
        }
        return done.Task;
    }

    private void Run()
    {
        var batch = new List<(T Item, TaskCompletionSource Done)>();
        while (true)
        {
            batch.Clear();
            lock (_queue)
            {
                while (_queue.Count == 0 && _adding) Monitor.Wait(_queue);
                if (_queue.Count == 0) break;
                while (batch.Count < MaxBatch && _queue.TryDequeue(out var next)) batch.Add(next);
            }
            try
            {
                _commit(batch.Select(b => b.Item).ToList());
                foreach (var b in batch) b.Done.SetResult();
            }
            catch (Exception) when (batch.Count > 1)
            {
                foreach (var b in batch) CommitAlone(b.Item, b.Done);
            }
            catch (Exception e)
            {
                batch[0].Done.SetException(e);
            }
        }
        try { _stopped?.Invoke(); }
        catch (Exception) { } // closing at shutdown: nothing is left to answer, and a throw here would end the process
    }

    private void CommitAlone(T item, TaskCompletionSource done)
    {
        try
        {
            _commit([item]);
            done.SetResult();
        }
        catch (Exception e)
        {
            done.SetException(e);
        }
    }

    /// <summary>How long a stop waits for what was handed in to be written, unless told otherwise.</summary>
    public static readonly TimeSpan StopWait = TimeSpan.FromSeconds(30);

    /// <summary>Refuses new items, writes what was handed in, and waits up to <paramref name="wait"/> (<see cref="StopWait"/>) for that.</summary>
    /// <returns>false when the writer thread was still committing after the wait (a stalled disk or database); it then
    /// finishes, and runs its stopped action, on its own.</returns>
    public bool Stop(TimeSpan? wait = null) => StopAll([this], wait);

    /// <summary>Stops several committers against one deadline: all are told first and then waited for together, so a
    /// stalled database holds a shutdown for one wait, not for one wait per committer.</summary>
    public static bool StopAll(IReadOnlyCollection<GroupCommitter<T>> committers, TimeSpan? wait = null)
    {
        foreach (var committer in committers) committer.RefuseNewItems();
        var waiting = Stopwatch.StartNew(); // monotonic, as Join's own timeout
        var all = true;
        foreach (var committer in committers)
        {
            var left = (wait ?? StopWait) - waiting.Elapsed;
            all &= committer._writer.Join(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        }
        return all;
    }

    private void RefuseNewItems()
    {
        lock (_queue)
        {
            _adding = false;
            Monitor.Pulse(_queue);
        }
    }

    public void Dispose() => Stop();
}
