namespace MailActors.LoadGen;

/// <summary>
/// CPU time from /proc: of the server's process trees (utime+stime of every live process under the given roots,
/// plus what their reaped children used, so a Dovecot worker that exits mid-run still counts), of this client,
/// and of the whole machine (what the rest is: other users' work on a shared box).
/// </summary>
public sealed class CpuMeter(IReadOnlyList<int> roots)
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux

    public readonly record struct Reading(double ServerSeconds, double ClientSeconds, double MachineBusySeconds);

    public Reading Read() => new(ServerSeconds(), ProcessSeconds(Environment.ProcessId, withChildren: false), MachineBusySeconds());

    private double ServerSeconds()
    {
        if (roots.Count == 0) return 0;
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            var fields = StatFields(pid);
            if (fields is not null) parents[pid] = int.Parse(fields[1]);
        }
        var inTree = new HashSet<int>(roots);
        bool grew;
        do
        {
            grew = false;
            foreach (var (pid, parent) in parents)
                if (!inTree.Contains(pid) && inTree.Contains(parent)) grew = inTree.Add(pid) | grew;
        } while (grew);
        return inTree.Sum(pid => ProcessSeconds(pid, withChildren: true));
    }

    private static double ProcessSeconds(int pid, bool withChildren)
    {
        var f = StatFields(pid);
        if (f is null) return 0;
        var ticks = long.Parse(f[11]) + long.Parse(f[12]) + (withChildren ? long.Parse(f[13]) + long.Parse(f[14]) : 0);
        return ticks / TicksPerSecond;
    }

    /// <summary>The fields of /proc/PID/stat after the command name: [0] state, [1] ppid, [11] utime, [12] stime, [13] cutime, [14] cstime.</summary>
    private static string[]? StatFields(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            return text[(text.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    private static double MachineBusySeconds()
    {
        // cpu  user nice system idle iowait irq softirq steal ...
        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var values = cpu.Skip(1).Take(8).Select(long.Parse).ToArray();
        var idle = values[3] + values[4];
        return (values.Sum() - idle) / TicksPerSecond;
    }
}
