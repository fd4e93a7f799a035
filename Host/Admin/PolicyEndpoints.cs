using System.Text.Json;
using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using MailActors.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace MailActors.Host.Admin;

/// <summary>
/// The live policy on the admin endpoint (docs/spec.md §2, 12): <c>GET /policy</c> asks the policy singleton for it;
/// <c>POST /policy?by=USER</c> with a policy as JSON makes it live cluster-wide, answering once every node has it (or the
/// one-line problems, changing nothing).
/// </summary>
public static class PolicyEndpoints
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    public static void Map(WebApplication app, ActorSystem system, IActorRef owner)
    {
        app.MapGet("/policy", async () =>
        {
            if (await AskAsync(owner, PolicyOwnerProtocol.Get.Instance) is not PolicyOwnerProtocol.Current current) return NoAnswer();
            return current.Policy is { } live
                ? Results.Json(live, GrantView.Json)
                : Results.Text("the policy singleton has not adopted a policy yet\n", statusCode: 503);
        });
        app.MapPost("/policy", async (HttpRequest request, string? by) =>
        {
            LivePolicy? proposed;
            try { proposed = await request.ReadFromJsonAsync<LivePolicy>(GrantView.Json); }
            catch (Exception e) when (e is JsonException or InvalidOperationException or NotSupportedException)
            {
                return Results.Text("not a policy (JSON, as `mailactors policy reload` sends it)\n", statusCode: 400);
            }
            if (proposed is null) return Results.Text("not a policy\n", statusCode: 400);
            var node = Cluster.Get(system).SelfAddress.ToString();
            return await AskAsync(owner, new PolicyOwnerProtocol.Change(proposed, by ?? "", node)) switch
            {
                PolicyOwnerProtocol.Changed changed => Results.Json(new PolicyChangeView(changed.Policy.Version, changed.Changes), GrantView.Json),
                PolicyOwnerProtocol.Refused refused => Results.Text(string.Join("\n", refused.Problems) + "\n", statusCode: 400),
                null => NoAnswer(),
                _ => Results.Text("unexpected answer from the policy singleton\n", statusCode: 500),
            };
        });
    }

    /// <summary>Null when the singleton does not answer in time (it is moving to another node, or no member has the role).</summary>
    private static async Task<object?> AskAsync(IActorRef owner, object message)
    {
        try { return await owner.Ask<object>(message, AskTimeout); }
        catch (AskTimeoutException) { return null; }
    }

    private static IResult NoAnswer() =>
        Results.Text($"the policy singleton did not answer within {AskTimeout.TotalSeconds:0} s (it may be moving to another node): " +
                     "try again, and check with `mailactors policy show`\n", statusCode: 503);

    /// <summary>Which version each node says it enforces, from this node's replica (gossip: a second or two behind).</summary>
    public static async Task<IReadOnlyList<EnforcedView>?> EnforcedAsync(ActorSystem system)
    {
        try
        {
            var response = await DistributedData.Get(system).Replicator.Ask<IGetResponse>(
                Dsl.Get(PolicyReplication.EnforcedKey, ReadLocal.Instance), AskTimeout);
            return response is GetSuccess found
                ? found.Get(PolicyReplication.EnforcedKey).Select(kv => new EnforcedView(kv.Key, kv.Value.Version, kv.Value.Since)).ToList()
                : [];
        }
        catch (Exception e) when (e is AskTimeoutException or TaskCanceledException)
        {
            return null;
        }
    }
}

/// <summary>The answer to a policy change: the version now live, and what changed (nothing: it was live already).</summary>
public sealed record PolicyChangeView(long Version, IReadOnlyList<PolicyChange> Changes);
