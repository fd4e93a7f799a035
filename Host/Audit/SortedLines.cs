using System.Text;
using MailActors.Files;

namespace MailActors.Host.Audit;

/// <summary>
/// The listing's order — by time, then stream, then sequence number — over any number of lines, in bounded memory:
/// lines are gathered in runs of at most <c>runSize</c>, each run sorted and, once there is more than one, written to a
/// private temporary file (deleted when closed), and the runs merged. A merge of the streams alone would not do: a
/// stream is not strictly in time order, since sessions stamp their facts before the stream's writer persists them.
/// </summary>
public sealed class SortedLines(int runSize = 25_000) : IDisposable
{
    private readonly record struct Key(long Ticks, string Stream, long SequenceNr) : IComparable<Key>
    {
        public int CompareTo(Key other)
        {
            var c = Ticks.CompareTo(other.Ticks);
            if (c == 0) c = string.CompareOrdinal(Stream, other.Stream);
            return c != 0 ? c : SequenceNr.CompareTo(other.SequenceNr);
        }
    }

    private readonly List<(Key Key, string Line)> _run = [];
    private readonly List<FileStream> _spilled = [];

    public void Add(DateTime at, string stream, long sequenceNr, string line)
    {
        _run.Add((new Key(at.Ticks, stream, sequenceNr), line));
        if (_run.Count >= runSize) Spill();
    }

    /// <summary>Every line added, in order. Call once, after the last <see cref="Add"/>.</summary>
    public IEnumerable<string> Sorted()
    {
        _run.Sort((a, b) => a.Key.CompareTo(b.Key));
        if (_spilled.Count == 0) return _run.Select(r => r.Line);
        if (_run.Count > 0) Spill();
        return Merge(_spilled).Select(r => r.Line);
    }

    private void Spill()
    {
        _run.Sort((a, b) => a.Key.CompareTo(b.Key));
        _spilled.Add(Write(_run));
        _run.Clear();
        if (_spilled.Count < MaxRuns) return;
        // so many runs merged into one, so that the files open (and their buffers) stay few however long the journal
        var merged = Write(Merge(_spilled));
        foreach (var file in _spilled) file.Dispose();
        _spilled.Clear();
        _spilled.Add(merged);
    }

    private const int MaxRuns = 64;

    private static IEnumerable<(Key Key, string Line)> Merge(List<FileStream> runs)
    {
        var readers = runs.Select(file =>
        {
            file.Position = 0;
            return new BinaryReader(file, Encoding.UTF8, leaveOpen: true);
        }).ToList();
        var heads = new (Key Key, string Line)[readers.Count];
        var queue = new PriorityQueue<int, Key>();
        for (var i = 0; i < readers.Count; i++)
            if (TryRead(readers[i], out heads[i])) queue.Enqueue(i, heads[i].Key);
        while (queue.TryDequeue(out var i, out _))
        {
            yield return heads[i];
            if (TryRead(readers[i], out heads[i])) queue.Enqueue(i, heads[i].Key);
        }
    }

    private static FileStream Write(IEnumerable<(Key Key, string Line)> lines)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite, Options = FileOptions.DeleteOnClose, BufferSize = 1 << 16 };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = PrivateFiles.FileMode; // facts name people and their addresses
        var file = new FileStream(Path.Combine(Path.GetTempPath(), "mailactors-audit-" + Path.GetRandomFileName()), options);
        using var writer = new BinaryWriter(file, Encoding.UTF8, leaveOpen: true);
        foreach (var (key, line) in lines)
        {
            writer.Write(key.Ticks);
            writer.Write(key.Stream);
            writer.Write(key.SequenceNr);
            writer.Write(line);
        }
        return file;
    }

    private static bool TryRead(BinaryReader reader, out (Key Key, string Line) next)
    {
        if (reader.BaseStream.Position >= reader.BaseStream.Length)
        {
            next = (default, "");
            return false;
        }
        next = (new Key(reader.ReadInt64(), reader.ReadString(), reader.ReadInt64()), reader.ReadString());
        return true;
    }

    public void Dispose()
    {
        foreach (var file in _spilled) file.Dispose();
    }
}
