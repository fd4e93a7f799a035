using System.Text;

namespace MailActors.Pop3;

/// <summary>Renders a stored message (CRLF lines) as a POP3 multi-line response: byte-stuffed, ended by CRLF.CRLF.</summary>
public static class MultiLineBody
{
    public static byte[] Render(string firstLine, ReadOnlySpan<byte> message, int? topLines)
    {
        var end = EndOfSelection(message, topLines, out var dotLines);
        var selection = message[..end];
        var closeLine = selection.Length > 0 && !selection.EndsWith("\r\n"u8);
        var output = new byte[firstLine.Length + selection.Length + dotLines + (closeLine ? 2 : 0) + 3];

        var at = Encoding.ASCII.GetBytes(firstLine, output);
        foreach (var line in Lines(selection))
        {
            if (line.Length > 0 && line[0] == (byte)'.') output[at++] = (byte)'.';
            line.CopyTo(output.AsSpan(at));
            at += line.Length;
        }
        if (closeLine) at += Copy("\r\n"u8, output, at);
        Copy(".\r\n"u8, output, at);
        return output;
    }

    /// <summary>Where the response's part of the message ends (all of it, or headers + N body lines), and how many of its lines start with a dot.</summary>
    private static int EndOfSelection(ReadOnlySpan<byte> message, int? topLines, out int dotLines)
    {
        dotLines = 0;
        var inBody = false;
        var bodyLines = 0;
        var offset = 0;
        foreach (var line in Lines(message))
        {
            if (inBody && topLines is int max && bodyLines++ >= max) return offset;
            if (!inBody && (line.SequenceEqual("\r\n"u8) || line.SequenceEqual("\n"u8))) inBody = true;
            if (line.Length > 0 && line[0] == (byte)'.') dotLines++;
            offset += line.Length;
        }
        return offset;
    }

    private static int Copy(ReadOnlySpan<byte> bytes, byte[] output, int at)
    {
        bytes.CopyTo(output.AsSpan(at));
        return bytes.Length;
    }

    private static LineEnumerator Lines(ReadOnlySpan<byte> text) => new(text);

    /// <summary>Each line with its LF (the last one may have none).</summary>
    private ref struct LineEnumerator(ReadOnlySpan<byte> text)
    {
        private ReadOnlySpan<byte> _rest = text;

        public ReadOnlySpan<byte> Current { get; private set; }

        public readonly LineEnumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            if (_rest.IsEmpty) return false;
            var lf = _rest.IndexOf((byte)'\n');
            Current = lf < 0 ? _rest : _rest[..(lf + 1)];
            _rest = lf < 0 ? default : _rest[(lf + 1)..];
            return true;
        }
    }
}
