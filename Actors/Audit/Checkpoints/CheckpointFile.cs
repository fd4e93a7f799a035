using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace MailActors.Audit;

/// <summary>
/// The checkpoint file (docs/spec.md §8): one JSON line per checkpoint, created with mode 0600, and only ever appended
/// to. It is opened with O_APPEND, so it keeps working when an operator makes it append-only (<c>chattr +a</c>),
/// which .NET's <see cref="FileMode.Append"/> (a seek to the end) would not.
/// </summary>
public static class CheckpointFile
{
    public static void Append(string path, string line)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var bytes = Encoding.UTF8.GetBytes(line + "\n");
        using var stream = OpenForAppend(path);
        stream.Write(bytes);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>The lines of a checkpoint file, numbered from 1, read one at a time.</summary>
    public static IEnumerable<(SignedCheckpoint? Checkpoint, int Line, string? Error)> Read(string path)
    {
        var number = 0;
        foreach (var text in File.ReadLines(path))
        {
            number++;
            if (text.Trim().Length == 0) continue;
            var checkpoint = SignedCheckpoint.Parse(number, text, out var error);
            yield return (checkpoint, number, error);
        }
    }

    private static FileStream OpenForAppend(string path)
    {
        if (OperatingSystem.IsWindows()) return new FileStream(path, FileMode.Append, FileAccess.Write);
        const int writeOnly = 0x1, create = 0x40, append = 0x400, closeOnExec = 0x80000; // Linux values
        var fd = Open(path, writeOnly | create | append | closeOnExec, Convert.ToUInt32("600", 8));
        if (fd < 0) throw new IOException($"{path}: cannot open for appending (errno {Marshal.GetLastPInvokeError()})");
        return new FileStream(new SafeFileHandle(fd, ownsHandle: true), FileAccess.Write, bufferSize: 0);
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open(string path, int flags, uint mode);
}
