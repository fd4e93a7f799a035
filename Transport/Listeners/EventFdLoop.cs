using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using DotNetty.Common.Concurrency;
using DotNetty.Transport.Channels;

namespace MailActors.Transport.Listeners;

/// <summary>
/// A DotNetty event loop whose thread sleeps in <c>poll(2)</c> on an eventfd, and is woken by one <c>write(2)</c> to it,
/// only when it sleeps (issue 16, bench/README.md). DotNetty's own loop sleeps in a ManualResetEventSlim, whose Set
/// wakes the loop while still holding the event's lock; with both threads on one CPU the woken loop preempts the
/// waker, blocks on that lock and switches back, four context switches where one would do, on every hand-off from
/// .NET's socket thread. Tasks and scheduled tasks run as in DotNetty's loop, and the loop body runs as a task on an
/// <see cref="ExecutorTaskScheduler"/>, so that awaits in handlers continue on the loop. Linux only (eventfd).
/// </summary>
internal sealed class EventFdLoop : AbstractScheduledEventExecutor, IEventLoop
{
    private const int NotStarted = 0, Running = 1, ShuttingDown = 2, Terminated = 3;
    private const int TasksPerRound = 1024;

    private readonly ConcurrentQueue<IRunnable> _tasks = new();
    private readonly System.Threading.Tasks.TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ExecutorTaskScheduler _scheduler;
    private readonly Thread _thread;
    private readonly Lock _lock = new(); // a write never meets the eventfd closed (or its number reused); one shutdown request counts
    private int _eventFd;
    private int _sleeping; // 1 while the loop is (about to be) in poll: a producer then writes the eventfd
    private int _state = NotStarted;
    private long _quietPeriodMs, _shutdownTimeoutMs; // set before the state says shutting down
    private long _shutdownStartedMs = -1, _lastTaskMs; // Environment.TickCount64: monotonic

    public EventFdLoop(IEventLoopGroup parent, string name) : base(parent)
    {
        _eventFd = eventfd(0, EfdCloexec | EfdNonblock);
        if (_eventFd < 0) throw new InvalidOperationException($"eventfd failed: errno {Marshal.GetLastPInvokeError()}");
        _scheduler = new ExecutorTaskScheduler(this);
        _thread = new Thread(Start) { IsBackground = true, Name = name };
        _thread.Start();
    }

    public new IEventLoopGroup Parent => (IEventLoopGroup)base.Parent;

    IEnumerable<IEventLoop> IEventLoopGroup.Items => [this];

    public new IEventLoop GetNext() => this;

    public Task RegisterAsync(IChannel channel) => channel.Unsafe.RegisterAsync(this);

    public override bool IsShuttingDown => Volatile.Read(ref _state) >= ShuttingDown;

    public override bool IsShutdown => Volatile.Read(ref _state) >= ShuttingDown;

    public override bool IsTerminated => Volatile.Read(ref _state) == Terminated;

    public override Task TerminationCompletion => _terminated.Task;

    public override bool IsInEventLoop(Thread thread) => thread == _thread;

    protected override IEnumerable<IEventExecutor> GetItems() => [this];

    public override void Execute(IRunnable task)
    {
        _tasks.Enqueue(task);
        if (!InEventLoop) WakeUp();
    }

    private void WakeUp()
    {
        if (Interlocked.Exchange(ref _sleeping, 0) == 1) Signal();
    }

    private void Signal()
    {
        ulong one = 1;
        lock (_lock)
            if (_eventFd >= 0) _ = write(_eventFd, ref one, sizeof(ulong)); // EAGAIN only when the counter is full: readable anyway
    }

    public override Task ShutdownGracefullyAsync(TimeSpan quietPeriod, TimeSpan timeout)
    {
        lock (_lock)
        {
            if (IsShuttingDown) return _terminated.Task; // the first request's periods stand
            _quietPeriodMs = (long)quietPeriod.TotalMilliseconds;
            _shutdownTimeoutMs = (long)timeout.TotalMilliseconds;
            // Not started or running: either way, now shutting down (the loop's own start may race this).
            for (int state; (state = Volatile.Read(ref _state)) < ShuttingDown && Interlocked.CompareExchange(ref _state, ShuttingDown, state) != state;)
            {
            }
        }
        Signal();
        return _terminated.Task;
    }

    private void Start()
    {
        SetCurrentExecutor(this);
        // The scheduler runs its first task inline: the loop runs as a task on this loop's scheduler, so that code in
        // handlers that awaits continues here, as on DotNetty's own loop.
        Task.Factory.StartNew(Loop, CancellationToken.None, TaskCreationOptions.None, _scheduler);
    }

    private void Loop()
    {
        Interlocked.CompareExchange(ref _state, Running, NotStarted);
        try
        {
            while (true)
            {
                var ran = RunDueScheduledTasks() | RunTasks();
                if (IsShuttingDown && ShutdownConfirmed(ran)) break;
                if (!ran) Sleep();
            }
            // What is left, and what that queues in turn (a channel's close queues its inactive event), within a bound:
            // an endless trickle of work must not hold the loop for ever.
            var until = Environment.TickCount64 + 100;
            do CancelScheduledTasks();
            while (RunTasks() && Environment.TickCount64 < until);
        }
        catch (Exception e)
        {
            _terminated.TrySetException(e);
        }
        finally
        {
            Volatile.Write(ref _state, Terminated);
            lock (_lock)
            {
                close(_eventFd);
                _eventFd = -1;
            }
            _terminated.TrySetResult();
        }
    }

    private bool RunTasks()
    {
        var ran = 0;
        while (ran < TasksPerRound && _tasks.TryDequeue(out var task))
        {
            SafeExecute(task);
            ran++;
        }
        if (ran > 0 && IsShuttingDown) _lastTaskMs = Environment.TickCount64; // only a shutdown's quiet period asks
        return ran > 0;
    }

    private bool RunDueScheduledTasks()
    {
        var now = GetNanos();
        var ran = false;
        while (PollScheduledTask(now) is { } task)
        {
            SafeExecute(task);
            ran = true;
        }
        return ran;
    }

    private bool ShutdownConfirmed(bool ran)
    {
        var now = Environment.TickCount64;
        if (_shutdownStartedMs < 0) _shutdownStartedMs = _lastTaskMs = now; // the quiet period starts with the request
        if (now - _shutdownStartedMs > _shutdownTimeoutMs) return true;
        return !ran && _tasks.IsEmpty && now - _lastTaskMs >= _quietPeriodMs;
    }

    /// <summary>Until a producer writes the eventfd, the next scheduled task is due, or (shutting down) 100 ms pass.</summary>
    private void Sleep()
    {
        Interlocked.Exchange(ref _sleeping, 1); // a full fence: the queue is read after the flag is seen
        if (!_tasks.IsEmpty)
        {
            Volatile.Write(ref _sleeping, 0);
            return;
        }
        var timeout = -1;
        if (PeekScheduledTask() is { } next)
            timeout = (int)Math.Clamp(Math.Ceiling((next.Deadline - GetNanos()).ToTimeSpan().TotalMilliseconds), 0, int.MaxValue);
        if (IsShuttingDown) timeout = timeout < 0 ? 100 : Math.Min(timeout, 100);
        var fd = new PollFd { Fd = _eventFd, Events = PollIn };
        var ready = poll(ref fd, 1, timeout); // 0: timed out; -1 (EINTR): go round again
        Volatile.Write(ref _sleeping, 0);
        if (ready > 0) _ = read(_eventFd, out _, sizeof(ulong)); // resets the counter
    }

    private const int EfdCloexec = 0x80000, EfdNonblock = 0x800;
    private const short PollIn = 1;

    [StructLayout(LayoutKind.Sequential)]
    private struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int eventfd(uint initval, int flags);

    [DllImport("libc")]
    private static extern nint write(int fd, ref ulong value, nint count);

    [DllImport("libc")]
    private static extern nint read(int fd, out ulong value, nint count);

    [DllImport("libc")]
    private static extern int poll(ref PollFd fds, nuint count, int timeout);

    [DllImport("libc")]
    private static extern int close(int fd);
}
