using System.Text;

namespace MailActors.Pop3;

/// <summary>Renders a stored message (CRLF lines) as a POP3 multi-line response: byte-stuffed, ended by CRLF.CRLF.</summary>
public static class MultiLineBody
{
    public static byte[] Render(string firstLine, ReadOnlySpan<byte> message, int? topLines)
    {
        var output = new MemoryStream(message.Length + message.Length / 32 + 64);
        output.Write(Encoding.ASCII.GetBytes(firstLine));
        var inBody = false;
        var bodyLines = 0;
        var rest = message;
        while (rest.Length > 0)
        {
            var lf = rest.IndexOf((byte)'\n');
            var line = lf < 0 ? rest : rest[..(lf + 1)];
            rest = lf < 0 ? default : rest[(lf + 1)..];

            if (inBody && topLines is int max && bodyLines++ >= max) break;
            if (!inBody && IsBlank(line)) inBody = true;

            if (line.Length > 0 && line[0] == (byte)'.') output.WriteByte((byte)'.');
            output.Write(line);
        }
        if (output.Length > 0 && !EndsWithCrlf(output)) output.Write("\r\n"u8);
        output.Write(".\r\n"u8);
        return output.ToArray();
    }

    private static bool IsBlank(ReadOnlySpan<byte> line) => line.SequenceEqual("\r\n"u8) || line.SequenceEqual("\n"u8);

    private static bool EndsWithCrlf(MemoryStream s)
    {
        var b = s.GetBuffer();
        return s.Length >= 2 && b[s.Length - 2] == '\r' && b[s.Length - 1] == '\n';
    }
}
