using MailActors.Transport.Listeners;

namespace MailActors.Tests.Transport;

public sealed class InlineFlushStreamTests
{
    /// <summary>Stands in for DotNetty's mediation stream, which has no FlushAsync of its own (a MemoryStream would not
    /// do: its FlushAsync flushes inline): records whether Flush ran on the thread that called FlushAsync while that call
    /// was still running.</summary>
    private sealed class FlushRecorder : Stream
    {
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
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
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
        await inner.CallFlushAsync(new PassThrough(inner)).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(inner.Flushed);
        Assert.False(inner.FlushedWithinTheCall);
    }

    [Fact]
    public async Task Reads_and_writes_pass_through_unchanged()
    {
        var inner = new MemoryStream();
        var stream = new InlineFlushStream(inner);
        await stream.WriteAsync("hello"u8.ToArray());
        stream.Write(" world"u8);
        inner.Position = 0;

        var read = new byte[32];
        var n = await stream.ReadAsync(read);
        Assert.Equal("hello world", System.Text.Encoding.ASCII.GetString(read, 0, n));
    }

    private sealed class PassThrough(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    }
}
