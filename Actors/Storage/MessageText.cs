namespace MailActors.Storage;

/// <summary>Stored mail uses CRLF line endings, as it goes out over POP3 and SMTP.</summary>
public static class MessageText
{
    public static byte[] ToCrlf(ReadOnlySpan<byte> input)
    {
        var output = new MemoryStream(input.Length + input.Length / 40 + 2);
        for (var i = 0; i < input.Length; i++)
        {
            var b = input[i];
            if (b == '\r')
            {
                output.Write("\r\n"u8);
                if (i + 1 < input.Length && input[i + 1] == '\n') i++;
            }
            else if (b == '\n') output.Write("\r\n"u8);
            else output.WriteByte(b);
        }
        var bytes = output.ToArray();
        return bytes.Length == 0 || bytes.AsSpan().EndsWith("\r\n"u8) ? bytes : [.. bytes, (byte)'\r', (byte)'\n'];
    }
}
