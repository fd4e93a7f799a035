using MailActors.Host.Audit;

namespace MailActors.Tests.Audit;

/// <summary>The listing's order (time, stream, sequence) over more lines than one run holds: spilled runs merged back.</summary>
public sealed class SortedLinesTests
{
    private static readonly DateTime T0 = new(2026, 11, 27, 10, 0, 0, DateTimeKind.Utc);

    /// <summary>Streams whose facts are out of time order within the stream, with many equal times across streams.</summary>
    private static List<(DateTime At, string Stream, long Seq)> Facts(int count)
    {
        var random = new Random(42);
        return Enumerable.Range(1, count).Select(i => (T0.AddSeconds(random.Next(0, count / 4)), $"audit-{random.Next(0, 5)}", (long)i)).ToList();
    }

    private static List<string> ViaSortedLines(List<(DateTime At, string Stream, long Seq)> facts, int runSize)
    {
        using var sorted = new SortedLines(runSize);
        foreach (var (at, stream, seq) in facts) sorted.Add(at, stream, seq, $"{at:O} {stream} {seq} ünïcode");
        return sorted.Sorted().ToList();
    }

    private static List<string> Expected(List<(DateTime At, string Stream, long Seq)> facts) =>
        facts.OrderBy(f => f.At).ThenBy(f => f.Stream, StringComparer.Ordinal).ThenBy(f => f.Seq).Select(f => $"{f.At:O} {f.Stream} {f.Seq} ünïcode").ToList();

    [Fact]
    public void Lines_that_fit_in_one_run_are_sorted_in_memory()
    {
        var facts = Facts(500);
        Assert.Equal(Expected(facts), ViaSortedLines(facts, runSize: 1000));
    }

    [Fact]
    public void Runs_spilled_to_files_merge_back_in_order()
    {
        var facts = Facts(1000);
        Assert.Equal(Expected(facts), ViaSortedLines(facts, runSize: 97));
    }

    [Fact]
    public void So_many_runs_that_they_are_merged_along_the_way_still_come_back_in_order()
    {
        var facts = Facts(3000);
        Assert.Equal(Expected(facts), ViaSortedLines(facts, runSize: 10)); // 300 runs: merged into one at each 64th
    }

    [Fact]
    public void Nothing_added_gives_nothing()
    {
        Assert.Empty(ViaSortedLines([], runSize: 10));
    }
}
