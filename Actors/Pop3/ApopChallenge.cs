using System.Security.Cryptography;

namespace MailActors.Pop3;

/// <summary>
/// APOP greeting timestamps, <c>&lt;node.counter.random@hostname&gt;</c>: a random per-process node id and a
/// counter make them unique across the cluster and never reused; the random part makes them unguessable.
/// </summary>
public sealed class ApopChallenge(string hostname)
{
    private readonly string _node = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
    private long _counter = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;

    public string Next() =>
        $"<{_node}.{Interlocked.Increment(ref _counter)}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}@{hostname}>";
}
