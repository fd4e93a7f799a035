namespace MailActors.Smtp;

/// <summary>
/// The node-wide budget of memory for messages being committed at once (<c>limits.commit-memory</c>, docs/spec.md §14),
/// each reserving its <see cref="CostOf"/>.
/// A message sits in memory (read back from the spool, composed into its stored copies) only while it is committed, so
/// without a bound N finished max-size messages committing together would take N × max-message-size. A commit past the
/// budget waits its turn, first come first served, for at most the patience (<c>limits.commit-wait</c>); then the client
/// reads <c>451 4.3.2</c> and sends again later. A message larger than the whole budget still goes when it is alone.
/// Only finished messages reserve: a client cannot hold the budget by trickling a transfer, only for as long as its
/// message takes to store.
/// </summary>
public sealed class CommitBudget(long octets, TimeSpan patience)
{
    private readonly Lock _lock = new();
    private readonly LinkedList<Waiter> _queue = new();
    private long _inUse;

    /// <summary>
    /// What committing a message of <paramref name="messageOctets"/> holds in memory: the message read back from the
    /// spool, its stored copy (or copies: local and relayed; each with its added header fields), and the database
    /// driver's own copy while the row is written (SQLite binds a blob by copying it).
    /// </summary>
    public static long CostOf(long messageOctets) => messageOctets * 3;

    /// <summary>The octets reserved now.</summary>
    public long InUse { get { lock (_lock) return _inUse; } }

    /// <returns>a lease that gives the octets back when disposed, or null when they were not free within the patience.</returns>
    public async Task<IDisposable?> ReserveAsync(long size)
    {
        Waiter waiter;
        lock (_lock)
        {
            if (_queue.Count == 0 && Fits(size))
            {
                _inUse += size;
                return new Lease(this, size);
            }
            waiter = new Waiter(size);
            waiter.Place = _queue.AddLast(waiter);
        }
        try { await waiter.Granted.Task.WaitAsync(patience); }
        catch (TimeoutException) { }
        lock (_lock)
        {
            if (waiter.Granted.Task.IsCompleted) return new Lease(this, size);
            _queue.Remove(waiter.Place);
            GrantWaiting(); // it may have been the head, holding back smaller ones behind it
            return null;
        }
    }

    private bool Fits(long size) => _inUse == 0 || _inUse + size <= octets;

    private void Release(long size)
    {
        lock (_lock)
        {
            _inUse -= size;
            GrantWaiting();
        }
    }

    /// <summary>In order: a large message at the head is not overtaken for ever by small ones.</summary>
    private void GrantWaiting()
    {
        while (_queue.First is { } head && Fits(head.Value.Size))
        {
            _inUse += head.Value.Size;
            _queue.RemoveFirst();
            head.Value.Granted.TrySetResult();
        }
    }

    private sealed class Waiter(long size)
    {
        public long Size => size;
        public TaskCompletionSource Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public LinkedListNode<Waiter> Place { get; set; } = null!;
    }

    private sealed class Lease(CommitBudget budget, long size) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) budget.Release(size);
        }
    }
}
