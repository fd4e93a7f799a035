using Akka.Actor;
using MailActors.Host.Configuration;
using MailActors.Policy;

namespace MailActors.Host.Admin;

/// <summary>
/// The live policy straight from the journal, for when no node runs: the policy singleton's stream recovered by a reader
/// that never adopts nor writes anything.
/// </summary>
public static class OfflinePolicy
{
    public static async Task<LivePolicy?> ReadAsync(LoadedConfig config)
    {
        using var system = OfflineJournal.Start(config);
        try
        {
            var reader = system.ActorOf(PolicyOwnerActor.Props(configured: null, OfflineJournal.Node), PolicyOwnerActor.Id);
            return (await reader.Ask<PolicyOwnerProtocol.Current>(PolicyOwnerProtocol.Get.Instance, TimeSpan.FromSeconds(30))).Policy;
        }
        finally
        {
            await system.Terminate();
        }
    }
}
