namespace MailActors.Smtp;

/// <summary>
/// Where message data in DATA goes once it outgrows <see cref="InMemory"/> octets: files under
/// <c>data-dir/spool</c> (docs/spec.md §14: memory per connection stays bounded whatever a client sends or withholds).
/// Each file is created 0600 and deleted when its transfer is committed or abandoned; files left by a crash are
/// deleted when the spool is opened at start.
/// </summary>
public sealed class MessageSpool
{
    public string Directory { get; }
    public int InMemory { get; }

    private MessageSpool(string directory, int inMemory)
    {
        Directory = directory;
        InMemory = inMemory;
    }

    /// <summary>For tests of the pure reader: never spools.</summary>
    public static readonly MessageSpool MemoryOnly = new("", int.MaxValue);

    public static MessageSpool Open(string dataDir, int inMemory)
    {
        var directory = Path.Combine(dataDir, "spool");
        System.IO.Directory.CreateDirectory(directory);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var leftover in System.IO.Directory.EnumerateFiles(directory, "*.data"))
        {
            try { File.Delete(leftover); } catch (IOException) { }
        }
        return new MessageSpool(directory, inMemory);
    }

    public SpooledBody NewBody() => new(this);

    internal FileStream CreateFile()
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.ReadWrite,
            Options = FileOptions.DeleteOnClose | FileOptions.SequentialScan,
        };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        return new FileStream(Path.Combine(Directory, Guid.NewGuid().ToString("N") + ".data"), options);
    }
}

/// <summary>One message's data as it arrives: in memory up to the spool's threshold, then in a spool file.</summary>
public sealed class SpooledBody(MessageSpool spool) : IDisposable
{
    private Stream _stream = new MemoryStream();

    public long Length => _stream.Length;

    public bool Spooled => _stream is FileStream;

    public void Write(ReadOnlySpan<byte> bytes)
    {
        if (_stream is MemoryStream memory && memory.Length + bytes.Length > spool.InMemory)
        {
            var file = spool.CreateFile();
            memory.WriteTo(file);
            _stream = file;
        }
        _stream.Write(bytes);
    }

    /// <summary>Drops what was written (the message is refused; its octets are only counted from now on).</summary>
    public void Clear()
    {
        _stream.Dispose();
        _stream = new MemoryStream(0);
    }

    /// <summary>The whole message, for its commit: the only moment it is in memory at once (within the node's
    /// <see cref="CommitBudget"/>).</summary>
    public byte[] ToArray()
    {
        if (_stream is MemoryStream memory) return memory.ToArray();
        var bytes = new byte[_stream.Length];
        _stream.Position = 0;
        _stream.ReadExactly(bytes);
        return bytes;
    }

    public void Dispose() => _stream.Dispose();
}
