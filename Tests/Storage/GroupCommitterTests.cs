using System.Diagnostics;
using MailActors.Storage;

namespace MailActors.Tests.Storage;

/// <summary>The group committer's contract: what arrives during a commit goes in the next one, callers hear only
/// after their own commit, a failing batch fails only its bad item, and disposing writes what was handed in.</summary>
public sealed class GroupCommitterTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(10);

    /// <summary>A commit action that records its batches and holds the first one until <see cref="Release"/>.</summary>
    private sealed class HeldCommits
    {
        private readonly ManualResetEventSlim _release = new(false);
        public readonly TaskCompletionSource FirstStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public readonly List<string[]> Batches = [];

        public void Commit(IReadOnlyList<string> items)
        {
            FirstStarted.TrySetResult();
            _release.Wait(TimeSpan.FromSeconds(10));
            lock (Batches) Batches.Add(items.ToArray());
            if (items.Count > 1 && items.Contains("bad")) throw new InvalidOperationException("a bad item");
            if (items is ["bad"]) throw new InvalidOperationException("the bad item");
        }

        public void Release() => _release.Set();
    }

    /// <summary>A committer whose first commit, of "a", has started and is held: what is handed in now waits for it.</summary>
    private static async Task<(HeldCommits Commits, GroupCommitter<string> Committer, Task First)> HoldingTheFirstCommit()
    {
        var commits = new HeldCommits();
        var committer = new GroupCommitter<string>("test-commit", commits.Commit);
        var first = committer.CommitAsync("a");
        await commits.FirstStarted.Task.WaitAsync(Within);
        return (commits, committer, first);
    }

    [Fact]
    public async Task What_arrives_during_a_commit_goes_together_in_the_next_and_each_caller_hears_after_its_own()
    {
        var (commits, committer, first) = await HoldingTheFirstCommit();
        using var _ = committer;
        var rest = new[] { "b", "c", "d" }.Select(committer.CommitAsync).ToArray();

        Assert.False(first.IsCompleted);
        commits.Release();
        await Task.WhenAll(rest.Prepend(first)).WaitAsync(Within);

        Assert.Equal([["a"], ["b", "c", "d"]], commits.Batches);
    }

    [Fact]
    public async Task A_failing_batch_is_retried_item_by_item_so_only_the_bad_item_fails()
    {
        var (commits, committer, first) = await HoldingTheFirstCommit();
        using var _ = committer;
        var good1 = committer.CommitAsync("b");
        var bad = committer.CommitAsync("bad");
        var good2 = committer.CommitAsync("c");
        commits.Release();

        await Task.WhenAll(first, good1, good2).WaitAsync(Within);
        await Assert.ThrowsAsync<InvalidOperationException>(() => bad.WaitAsync(Within));
        Assert.Equal([["a"], ["b", "bad", "c"], ["b"], ["bad"], ["c"]], commits.Batches);
    }

    [Fact]
    public async Task Disposing_writes_what_was_handed_in_and_refuses_what_comes_after()
    {
        var (commits, committer, first) = await HoldingTheFirstCommit();
        Task[] handedIn = [first, committer.CommitAsync("b"), committer.CommitAsync("c")];

        commits.Release();
        committer.Dispose();

        Assert.All(handedIn, t => Assert.True(t.IsCompletedSuccessfully));
        Assert.Equal(["a", "b", "c"], commits.Batches.SelectMany(b => b));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => committer.CommitAsync("late"));
    }

    [Fact]
    public async Task What_it_commits_with_is_closed_on_its_own_thread_after_the_last_commit_even_when_a_stop_gave_up_waiting()
    {
        var commits = new HeldCommits();
        var writerThread = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var stopped = new TaskCompletionSource<(int Thread, int Batches)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var committer = new GroupCommitter<string>("test-commit", items =>
        {
            writerThread.TrySetResult(Environment.CurrentManagedThreadId);
            commits.Commit(items);
        }, stopped: () => stopped.TrySetResult((Environment.CurrentManagedThreadId, commits.Batches.Count)));
        var first = committer.CommitAsync("a");
        await commits.FirstStarted.Task.WaitAsync(Within);

        Assert.False(committer.Stop(TimeSpan.FromMilliseconds(50)));
        Assert.False(stopped.Task.IsCompleted);
        commits.Release();

        Assert.Equal((await writerThread.Task, 1), await stopped.Task.WaitAsync(Within));
        Assert.True(first.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Committers_stopped_together_are_waited_for_against_one_deadline_not_one_wait_each()
    {
        var held = Enumerable.Range(0, 3).Select(_ => new HeldCommits()).ToArray();
        var committers = held.Select(h => new GroupCommitter<string>("test-commit", h.Commit)).ToArray();
        var firsts = committers.Select(c => c.CommitAsync("a")).ToArray();
        await Task.WhenAll(held.Select(h => h.FirstStarted.Task)).WaitAsync(Within);

        var watch = Stopwatch.StartNew();
        var stopped = GroupCommitter<string>.StopAll(committers, TimeSpan.FromSeconds(2));
        watch.Stop();
        foreach (var h in held) h.Release();

        Assert.False(stopped);
        Assert.InRange(watch.Elapsed, TimeSpan.FromSeconds(1.9), TimeSpan.FromSeconds(4.5)); // one wait each: 6 s
        await Task.WhenAll(firsts).WaitAsync(Within);
        foreach (var c in committers) await Assert.ThrowsAsync<ObjectDisposedException>(() => c.CommitAsync("late"));
    }
}
