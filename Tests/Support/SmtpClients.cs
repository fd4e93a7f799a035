using System.Net;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace MailActors.Tests.Support;

/// <summary>MailKit SMTP clients bound to a chosen source address, trusting only the server's own root CA.</summary>
public static class SmtpClients
{
    public static async Task<SmtpClient> ConnectAsync(TestServer server, IPAddress from, int port, SecureSocketOptions security = SecureSocketOptions.None)
    {
        var client = new SmtpClient
        {
            LocalEndPoint = new IPEndPoint(from, 0),
            Timeout = 15_000,
            CheckCertificateRevocation = false,
            ServerCertificateValidationCallback = Pop3Clients.TrustingOnly(server.Ca),
            LocalDomain = "client.test",
        };
        await client.ConnectAsync("127.0.0.1", port, security);
        return client;
    }

    public static MimeMessage Message(string from, string to, string subject = "hello", string? messageId = null)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = subject;
        if (messageId is not null) message.MessageId = messageId;
        message.Body = new TextPart("plain") { Text = "a line of text\n.a line starting with a dot\n" };
        return message;
    }
}
