namespace MailActors.Transport.Listeners;

/// <summary>
/// A cap on open connections across all listeners of a node, kept below the process's open-files limit:
/// past that limit accept() fails in a tight loop and the runtime cannot even start a thread.
/// </summary>
public sealed class ConnectionGate(int capacity)
{
    private int _open;

    public int Capacity { get; } = capacity;

    /// <summary>Connections open now.</summary>
    public int Open => Volatile.Read(ref _open);

    public bool TryEnter()
    {
        if (Interlocked.Increment(ref _open) <= Capacity) return true;
        Interlocked.Decrement(ref _open);
        return false;
    }

    public void Exit() => Interlocked.Decrement(ref _open);
}
