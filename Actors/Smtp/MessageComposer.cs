using System.Globalization;
using System.Text;
using MailActors.Storage;

namespace MailActors.Smtp;

/// <summary>
/// Turns an accepted envelope and its data into what is stored (docs/spec.md §6): a <c>Received:</c> trace header on
/// every copy, <c>Message-ID:</c> and <c>Date:</c> added on submission when missing, <c>Return-Path:</c> on
/// local copies.
/// </summary>
public static class MessageComposer
{
    public static IncomingMessage Compose(SmtpState s, Envelope envelope, byte[] body, string queueId, DateTimeOffset now)
    {
        var c = s.Connection;
        var headers = new StringBuilder();
        headers.Append(Received(s, envelope, queueId, now));
        var messageId = FindHeader(body, "Message-ID");
        if (Policy.ListenerNames.IsSubmission(c.Listener))
        {
            if (messageId is null)
            {
                messageId = $"<{queueId}.{Guid.NewGuid():N}@{c.Hostname}>";
                headers.Append($"Message-ID: {messageId}\r\n");
            }
            if (FindHeader(body, "Date") is null) headers.Append($"Date: {Rfc5322Date(now)}\r\n");
        }
        var trace = Encoding.Latin1.GetBytes(headers.ToString());
        var local = envelope.LocalAccounts.ToList();
        var relayed = envelope.Relayed.Select(r => r.Address.ToString()).Concat(envelope.Forwards).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        // Each copy built once, and only when there is someone to store it for: a commit holds the message's octets in
        // memory (docs/spec.md §14), once per kind of copy beside the body itself.
        var relayCopy = relayed.Count == 0 ? [] : Concat(trace, body);
        var localCopy = local.Count == 0 ? [] : Concat(Encoding.Latin1.GetBytes($"Return-Path: <{envelope.Sender}>\r\n"), trace, body);
        var relayAccount = envelope.Relayed.Select(r => r.Relay?.Account).FirstOrDefault(a => a is not null) ?? envelope.SenderPermit?.Account;
        return new IncomingMessage(queueId, messageId, envelope.Sender, local, localCopy, relayed, relayed.Count == 0 ? [] : relayCopy,
            c.Client.ToString(), relayAccount);
    }

    /// <summary>Client address, HELO, listener, TLS, and whose grant or AUTH let the message through (RFC 5321 §4.4).</summary>
    public static string Received(SmtpState s, Envelope envelope, string queueId, DateTimeOffset now)
    {
        var c = s.Connection;
        var protocol = (s.Esmtp ? "ESMTP" : "SMTP") + (c.Tls ? "S" : "") + (s.AuthAccount is not null ? "A" : "");
        if (!s.Esmtp && protocol != "SMTP") protocol = "E" + protocol; // RFC 3848 names only ESMTP variants
        var permit = envelope.Relayed.Select(r => r.Relay).FirstOrDefault() ?? envelope.SenderPermit;
        var why = permit switch
        {
            { Grant: { } grant } => $"POP-before-SMTP grant of {grant.Account} from {grant.Address} at {grant.IssuedAt:yyyy-MM-ddTHH:mm:ssZ}",
            { Account: { } account } => $"authenticated as {account}",
            { } => $"relay by rule {permit.Rule}",
            null => "local delivery",
        };
        // RFC 5321 §4.1.3: an IPv6 address literal is [IPv6:addr]
        var literal = c.Client.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"IPv6:{c.Client}" : c.Client.ToString();
        return $"Received: from {HeloName.Clean(s.Helo ?? "")} ([{literal}])\r\n" +
               $"\tby {c.Hostname} (MailActors) with {protocol} id {queueId}\r\n" +
               $"\t(listener {Policy.ListenerNames.Of(c.Listener)}; {(c.Tls ? "TLS" : "no TLS")}; {why});\r\n" +
               $"\t{Rfc5322Date(now)}\r\n";
    }

    public static string Rfc5322Date(DateTimeOffset t) =>
        t.ToUniversalTime().ToString("ddd, dd MMM yyyy HH:mm:ss", CultureInfo.InvariantCulture) + " +0000";

    /// <summary>The (unfolded) value of the first header field of this name in the header section, or null. Read in
    /// place: every RETR looks up its Message-ID for the audit fact (issue 16).</summary>
    public static string? FindHeader(byte[] message, string name)
    {
        ReadOnlySpan<byte> rest = message.AsSpan(0, HeaderLength(message));
        while (!rest.IsEmpty)
        {
            var line = NextLine(ref rest);
            if (line.Length <= name.Length || line[name.Length] != (byte)':' || !Ascii.EqualsIgnoreCase(line[..name.Length], name)) continue;
            var value = new StringBuilder(Encoding.Latin1.GetString(line[(name.Length + 1)..]));
            while (rest.Length > 0 && rest[0] is (byte)' ' or (byte)'\t') value.Append(Encoding.Latin1.GetString(NextLine(ref rest)));
            return value.ToString().Trim();
        }
        return null;
    }

    /// <summary>The next line without its CRLF; <paramref name="rest"/> moves past it.</summary>
    private static ReadOnlySpan<byte> NextLine(ref ReadOnlySpan<byte> rest)
    {
        var end = rest.IndexOf("\r\n"u8);
        var line = end < 0 ? rest : rest[..end];
        rest = end < 0 ? default : rest[(end + 2)..];
        return line;
    }

    private static int HeaderLength(byte[] message)
    {
        if (message.AsSpan().StartsWith("\r\n"u8)) return 0; // an empty first line: no header section at all
        var end = message.AsSpan().IndexOf("\r\n\r\n"u8);
        return end < 0 ? message.Length : end + 2;
    }

    private static byte[] Concat(params byte[][] parts)
    {
        var result = new byte[parts.Sum(p => p.Length)];
        var at = 0;
        foreach (var part in parts)
        {
            part.CopyTo(result, at);
            at += part.Length;
        }
        return result;
    }
}
