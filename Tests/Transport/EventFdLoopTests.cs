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
        var seen = new List<(int Producer, int Item, int Thread, bool InLoop)>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(producer => Task.Run(async () =>
        {
            for (var i = 0; i < 500; i++)
            {
                var item = i;
                _loop.Execute(() =>
                {
                    seen.Add((producer, item, Environment.CurrentManagedThreadId, _loop.InEventLoop));
                    if (seen.Count == 2000) all.SetResult();
                });
                if (i % 50 == 0) await Task.Delay(1); // let the loop fall asleep now and then, to be woken again
            }
        })));
        await all.Task.WaitAsync(Within);

        Assert.All(seen, s => Assert.True(s.Thread == loopThread && s.InLoop));
        Assert.All(seen.GroupBy(s => s.Producer), items => Assert.Equal(Enumerable.Range(0, 500), items.Select(s => s.Item)));
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
    public async Task A_graceful_shutdown_runs_what_is_handed_in_during_its_quiet_period_and_what_that_queues_then_ends()
    {
        var ran = new List<string>();
        var shutdown = _loop.ShutdownGracefullyAsync(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(8));
        // Handed in after the request, within its quiet period: runs, and so does what it queues (a channel's close
        // queues its inactive event the same way).
        _loop.Execute(() =>
        {
            ran.Add("during");
            _loop.Execute(() => ran.Add("queued by it"));
        });
        await shutdown.WaitAsync(Within);

        Assert.Equal(["during", "queued by it"], ran);
        Assert.True(_loop.IsTerminated);
    }

    [Fact]
    public async Task A_loop_asked_to_stop_as_soon_as_it_is_made_stops()
    {
        for (var i = 0; i < 20; i++)
        {
            var group = new MultithreadEventLoopGroup(g => new EventFdLoop(g, "test-loop-brief"), 1);
            await group.ShutdownGracefullyAsync(TimeSpan.Zero, TimeSpan.FromSeconds(5)).WaitAsync(Within);
            Assert.True(((IEventLoop)group.GetNext()).IsTerminated);
        }
    }

    [Fact]
    public async Task A_second_shutdown_request_does_not_change_the_first_ones_quiet_period()
    {
        var first = _loop.ShutdownGracefullyAsync(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(5));
        _ = _loop.ShutdownGracefullyAsync(TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(20));

        await first.WaitAsync(Within); // with the second request's periods it would take ten minutes
    }
}
