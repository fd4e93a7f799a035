using MailActors.Transport.Listeners;

namespace MailActors.Tests.Transport;

public sealed class InlineFlushStreamTests
{
    /// <summary>Stands in for DotNetty's mediation stream: records where Flush ran, and has no FlushAsync of its own.</summary>
    private sealed class FlushRecorder : MemoryStream
    {
        public int? FlushedOnThread { get; private set; }
        public override void Flush() => FlushedOnThread = Environment.CurrentManagedThreadId;
    }

    [Fact]
    public void FlushAsync_flushes_the_inner_stream_on_the_calling_thread_and_is_done_when_it_returns()
    {
        var inner = new FlushRecorder();
        var flushed = new InlineFlushStream(inner).FlushAsync(CancellationToken.None);

        Assert.True(flushed.IsCompletedSuccessfully);
        Assert.Equal(Environment.CurrentManagedThreadId, inner.FlushedOnThread);
    }

    [Fact]
    public async Task Without_it_a_stream_with_no_FlushAsync_of_its_own_flushes_on_a_pool_thread()
    {
        // Why the class exists: Stream's FlushAsync queues Flush to the pool, and SslStream continues where it finished.
        var inner = new FlushRecorder();
        var caller = Environment.CurrentManagedThreadId;
        await ((Stream)new PassThrough(inner)).FlushAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.NotNull(inner.FlushedOnThread);
        Assert.NotEqual(caller, inner.FlushedOnThread);
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
