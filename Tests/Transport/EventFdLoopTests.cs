using DotNetty.Transport.Channels;
using MailActors.Transport.Listeners;

namespace MailActors.Tests.Transport;

/// <summary>
/// The event loop the listeners run on (Linux): work handed in from other threads wakes it and runs on its thread,
/// scheduled work waits for its time, awaits in that work come back to the loop, and a graceful shutdown runs what
/// was handed in before it ends. Every test has its own loop, stopped at the end. (The suite runs on Linux, as the loop.)
/// </summary>
public sealed class EventFdLoopTests : IAsyncLifetime
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(10);
    private MultithreadEventLoopGroup _group = null!;
    private IEventLoop _loop = null!;

    public Task InitializeAsync()
    {
        _group = new MultithreadEventLoopGroup(group => new EventFdLoop(group, "test-loop"), 1);
        _loop = (IEventLoop)_group.GetNext();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_group is not null) await _group.ShutdownGracefullyAsync(TimeSpan.Zero, TimeSpan.FromSeconds(5)).WaitAsync(Within);
    }

    private Task<T> OnLoop<T>(Func<T> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _loop.Execute(() => done.SetResult(work()));
        return done.Task.WaitAsync(Within);
    }

    [Fact]
    public async Task Work_handed_in_from_other_threads_runs_on_the_loop_thread_in_order()
    {
        var loopThread = await OnLoop(() => Environment.CurrentManagedThreadId);
        var seen = new List<int>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < 500; i++)
            {
                _loop.Execute(() =>
                {
                    Assert.True(_loop.InEventLoop);
                    seen.Add(Environment.CurrentManagedThreadId);
                    if (seen.Count == 2000) all.SetResult();
                });
                if (i % 50 == 0) await Task.Delay(1); // let the loop fall asleep now and then, to be woken again
            }
        })));
        await all.Task.WaitAsync(Within);

        Assert.All(seen, thread => Assert.Equal(loopThread, thread));
        Assert.NotEqual(Environment.CurrentManagedThreadId, loopThread);
    }

    [Fact]
    public async Task Scheduled_work_runs_on_the_loop_after_its_delay_and_not_before()
    {
        var started = DateTime.UtcNow;
        var ran = new TaskCompletionSource<(DateTime At, bool OnLoop)>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = _loop.Schedule(() => ran.SetResult((DateTime.UtcNow, _loop.InEventLoop)), TimeSpan.FromMilliseconds(300));

        var (at, onLoop) = await ran.Task.WaitAsync(Within);
        Assert.True(onLoop);
        Assert.True(at - started >= TimeSpan.FromMilliseconds(290), $"ran after {(at - started).TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task Cancelled_scheduled_work_does_not_run()
    {
        var ran = false;
        var task = _loop.Schedule(() => ran = true, TimeSpan.FromMilliseconds(200));
        task.Cancel();
        var later = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = _loop.Schedule(() => later.SetResult(), TimeSpan.FromMilliseconds(400));

        await later.Task.WaitAsync(Within);
        Assert.False(ran);
    }

    [Fact]
    public async Task An_await_in_work_on_the_loop_continues_on_the_loop()
    {
        var threads = new TaskCompletionSource<(int Before, int After, bool AfterOnLoop)>(TaskCreationOptions.RunContinuationsAsynchronously);
        _loop.Execute(async () =>
        {
            var before = Environment.CurrentManagedThreadId;
            await Task.Delay(50); // completes on a timer thread; the continuation is posted back to the loop
            threads.SetResult((before, Environment.CurrentManagedThreadId, _loop.InEventLoop));
        });

        var (before, after, afterOnLoop) = await threads.Task.WaitAsync(Within);
        Assert.Equal(before, after);
        Assert.True(afterOnLoop);
    }

    [Fact]
    public async Task A_graceful_shutdown_runs_what_was_handed_in_and_then_ends()
    {
        var ran = 0;
        for (var i = 0; i < 100; i++) _loop.Execute(() => Interlocked.Increment(ref ran));
        await _loop.ShutdownGracefullyAsync(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(5)).WaitAsync(Within);

        Assert.Equal(100, ran);
        Assert.True(_loop.IsShuttingDown);
        Assert.True(_loop.IsTerminated);
    }
}
