using System.Collections.Concurrent;
using System.Diagnostics;

namespace MailActors.LoadGen;

/// <summary>Latencies of timed operations (one list per client, no locking on the hot path) and errors.</summary>
public sealed class Recorder
{
    private readonly ConcurrentBag<List<double>> _lists = [];
    private readonly ConcurrentQueue<string> _errors = new();
    private long _octets;

    public List<double> NewClientList()
    {
        var list = new List<double>();
        _lists.Add(list);
        return list;
    }

    public static double MillisecondsSince(long startTimestamp) => Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds;

    public void AddOctets(long n) => Interlocked.Add(ref _octets, n);

    public void Error(string what)
    {
        if (_errors.Count < 20) _errors.Enqueue(what);
    }

    public long Octets => Interlocked.Read(ref _octets);
    public IReadOnlyCollection<string> Errors => _errors;

    public double[] SortedLatencies()
    {
        var all = _lists.SelectMany(l => l).ToArray();
        Array.Sort(all);
        return all;
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    public static double Percentile(double[] sorted, double p)
    {
        if (sorted.Length == 0) return double.NaN;
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
