using System.Collections.Concurrent;

namespace MailActors.Storage;

/// <summary>
/// Group commit: items handed in concurrently are written by one thread in one transaction, and each caller
/// is answered only after that transaction committed. One fsync then covers many messages, which is how a
/// durable 250 can be fast. If a batch fails, its items are retried one by one, so one bad item fails alone.
/// </summary>
public sealed class GroupCommitter<T> : IDisposable
{
    private const int MaxBatch = 256;
    private readonly BlockingCollection<(T Item, TaskCompletionSource Done)> _queue = new();
    private readonly Action<IReadOnlyList<T>> _commit;
    private readonly Thread _writer;

    /// <param name="commit">writes the items in one transaction and commits, or throws having written none.</param>
    public GroupCommitter(string name, Action<IReadOnlyList<T>> commit)
    {
        _commit = commit;
        _writer = new Thread(Run) { IsBackground = true, Name = name };
        _writer.Start();
    }

    public Task CommitAsync(T item)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try { _queue.Add((item, done)); }
        catch (InvalidOperationException) { done.SetException(new ObjectDisposedException(nameof(GroupCommitter<T>))); }
        return done.Task;
    }

    private void Run()
    {
        var batch = new List<(T Item, TaskCompletionSource Done)>();
        foreach (var first in _queue.GetConsumingEnumerable())
        {
            batch.Clear();
            batch.Add(first);
            while (batch.Count < MaxBatch && _queue.TryTake(out var next)) batch.Add(next);
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

    /// <summary>Writes what was handed in, then stops.</summary>
    public void Dispose()
    {
        _queue.CompleteAdding();
        _writer.Join(TimeSpan.FromSeconds(30));
    }
}
