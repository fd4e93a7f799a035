using MailActors.Transport.Listeners;

namespace MailActors.Tests.Transport;

public sealed class InlineFlushStreamTests
{
    /// <summary>
    /// Stands in for DotNetty's mediation stream, which has no FlushAsync of its own (a MemoryStream itself would not do:
    /// its FlushAsync flushes inline): holds its bytes in a MemoryStream, and records whether Flush ran on the thread that
    /// called FlushAsync while that call was still running.
    /// </summary>
    private sealed class FlushRecorder : Stream
    {
        private readonly MemoryStream _bytes = new();
        private volatile int _callerThread = -1;
        public volatile bool Flushed, FlushedWithinTheCall;

        public Task CallFlushAsync(Stream stream)
        {
            _callerThread = Environment.CurrentManagedThreadId;
            try { return stream.FlushAsync(CancellationToken.None); }
            finally { _callerThread = -1; }
        }

        public override void Flush()
        {
            FlushedWithinTheCall = Environment.CurrentManagedThreadId == _callerThread;
            Flushed = true;
        }

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => true;
        public override long Length => _bytes.Length;
        public override long Position { get => _bytes.Position; set => _bytes.Position = value; }
        public override int Read(byte[] buffer, int offset, int count) => _bytes.Read(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => _bytes.Seek(offset, origin);
        public override void SetLength(long value) => _bytes.SetLength(value);
        public override void Write(byte[] buffer, int offset, int count) => _bytes.Write(buffer, offset, count);
    }

    [Fact]
    public void FlushAsync_flushes_the_inner_stream_within_the_call_and_is_done_when_it_returns()
    {
        var inner = new FlushRecorder();
        var flushed = inner.CallFlushAsync(new InlineFlushStream(inner));

        Assert.True(flushed.IsCompletedSuccessfully);
        Assert.True(inner.FlushedWithinTheCall);
    }

    [Fact]
    public async Task Without_it_a_stream_with_no_FlushAsync_of_its_own_flushes_on_another_thread()
    {
        // Why the class exists: Stream's FlushAsync queues Flush to the pool, and SslStream continues where it finished.
        var inner = new FlushRecorder();
        await inner.CallFlushAsync(inner).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(inner.Flushed);
        Assert.False(inner.FlushedWithinTheCall);
    }

    [Fact]
    public async Task Reads_and_writes_pass_through_unchanged()
    {
        var inner = new FlushRecorder();
        var stream = new InlineFlushStream(inner);
        await stream.WriteAsync("hello"u8.ToArray());
        stream.Write(" world"u8);
        inner.Position = 0;

        var read = new byte[32];
        var n = await stream.ReadAsync(read);
        Assert.Equal("hello world", System.Text.Encoding.ASCII.GetString(read, 0, n));
    }
}
