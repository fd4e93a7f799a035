using Microsoft.AspNetCore.Http;

namespace MailActors.Host.Web;

/// <summary>docs/spec.md §16: <c>?lang=en|ja</c> wins over <c>Accept-Language</c>; English by default.</summary>
public static class VisitorLanguage
{
    public static HelpTexts Of(HttpRequest request)
    {
        var asked = request.Query["lang"].ToString();
        if (HelpTexts.Find(asked) is { } chosen) return chosen;
        var accepted = request.GetTypedHeaders().AcceptLanguage
            .Where(l => l.Quality is null or > 0)
            .OrderByDescending(l => l.Quality ?? 1);
        foreach (var language in accepted)
        {
            var tag = language.Value.Value ?? "";
            var primary = tag.Split('-')[0];
            if (HelpTexts.Find(primary) is { } texts) return texts;
        }
        return HelpTexts.English;
    }
}
