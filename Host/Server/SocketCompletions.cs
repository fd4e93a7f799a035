namespace MailActors.Host.Server;

/// <summary>
/// Socket completions run on .NET's I/O (epoll) thread instead of being handed to a pool thread first (issue 16).
/// DotNetty's completion only queues the read on the connection's event loop, where the session actor runs too, so a
/// POP3 command wakes two threads instead of three: at one client, a RETR costs 51 µs of server CPU instead of 84
/// (bench/README.md). The price is that code continuing after a socket await outside DotNetty and Kestrel (outbound
/// delivery, Npgsql) runs on the I/O thread until its next await: such code must not block there (see
/// <c>DeliveryRunner</c>). .NET reads the switch once, when the process opens its first socket, so this runs first
/// in <c>serve</c>; <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=0</c> in the environment keeps .NET's default.
/// </summary>
public static class SocketCompletions
{
    private const string Switch = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public static void RunInline()
    {
        if (Environment.GetEnvironmentVariable(Switch) is null) Environment.SetEnvironmentVariable(Switch, "1");
    }
}
