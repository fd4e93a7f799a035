using System.Text.Json;
using MailActors.Grants;

namespace MailActors.Host.Admin;

/// <summary>A grant as the admin endpoint and the CLI show it.</summary>
public sealed record GrantView(string Key, string Address, string Account, string Listener, string Mechanism, string Node,
    DateTime IssuedAt, DateTime ExpiresAt)
{
    public static GrantView Of(Grant g) => new(g.Key, g.Address, g.Account, g.Listener, g.Mechanism, g.Node, g.IssuedAt, g.ExpiresAt);

    public string Line() => $"{Key}\t{Account}\t{Listener}\tissued {IssuedAt:yyyy-MM-ddTHH:mm:ssZ}\texpires {ExpiresAt:yyyy-MM-ddTHH:mm:ssZ}";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}

public sealed record RevokedView(int Revoked, IReadOnlyList<GrantView> Grants);
