using System.Text;
using MailActors.Sessions;

namespace MailActors.Smtp;

public enum DataProblem { None, BareLineEnd, LineTooLong, TooBig, TooManyHops }

/// <summary>The end of the DATA phase: the message (dot-stuffing undone, CRLF line ends; still in memory or spooled, and
/// the receiver's to dispose) or why it is refused.</summary>
public sealed record DataEnd(SpooledBody? Body, DataProblem Problem);

/// <summary>
/// Reads DATA lines (RFC 5321 §4.1.1.4, §4.5.2). The data ends only at a "." line that ends in CRLF and follows
/// a line that ended in CRLF: with a bare LF or CR anywhere the message is refused as a whole once its real end
/// arrives, so no smuggling sequence can end it early or split it (the defence of Postfix's
/// <c>smtpd_forbid_bare_newline</c>). Over the size limit the octets are counted, not kept. <c>Received:</c> fields in the
/// header section are counted as they pass: at <paramref name="maxHops"/> the message is looping (docs/spec.md §14).
/// </summary>
public sealed class DataReader(long maxSize, int maxHops, MessageSpool spool) : IDisposable
{
    /// <summary>RFC 5321 §4.5.3.1.6: 1000 octets with the CRLF.</summary>
    public const int MaxLineLength = 998;

    private readonly SpooledBody _body = spool.NewBody();
    private long _size;
    private bool _previousEndedWithCrlf = true; // the DATA command's own line end
    private DataProblem _problem;
    private bool _inHeader = true;
    private int _hops;
    private bool _handedOver;

    /// <returns>null while the data goes on; the result at its end.</returns>
    public DataEnd? Add(ConnectionEvents.Line line)
    {
        var endsWithCrlf = !line.BareLineFeed;
        if (line.Text == "." && endsWithCrlf && _previousEndedWithCrlf)
        {
            _handedOver = _problem == DataProblem.None;
            if (!_handedOver) _body.Dispose();
            return new DataEnd(_handedOver ? _body : null, _problem);
        }
        _previousEndedWithCrlf = endsWithCrlf;

        if (line.TooLong) Flag(DataProblem.LineTooLong);
        else if (!endsWithCrlf || line.Text.Contains('\r')) Flag(DataProblem.BareLineEnd);
        else if (line.Text.Length > MaxLineLength) Flag(DataProblem.LineTooLong);

        var text = line.Text.StartsWith('.') ? line.Text[1..] : line.Text;
        if (_inHeader) CountHop(text);
        _size += text.Length + 2;
        if (_size > maxSize) Flag(DataProblem.TooBig);
        if (_problem == DataProblem.None)
        {
            Span<byte> buffer = text.Length <= 1024 ? stackalloc byte[text.Length] : new byte[text.Length];
            Encoding.Latin1.GetBytes(text, buffer);
            _body.Write(buffer);
            _body.Write("\r\n"u8);
        }
        return null;
    }

    private void CountHop(string text)
    {
        if (text.Length == 0) { _inHeader = false; return; }
        if (!text.StartsWith("Received", StringComparison.OrdinalIgnoreCase)) return;
        if (text.AsSpan("Received".Length).TrimStart(" \t").StartsWith(":") && ++_hops >= maxHops) Flag(DataProblem.TooManyHops);
    }

    private void Flag(DataProblem problem)
    {
        if (_problem != DataProblem.None) return;
        _problem = problem;
        _body.Clear();
    }

    /// <summary>The transfer was abandoned (connection closed, timeout): its spool file goes.</summary>
    public void Dispose()
    {
        if (!_handedOver) _body.Dispose();
    }
}
