using System.Net;
using System.Text;

namespace MailActors.Host.Web;

/// <summary>
/// A page of plain, accessible HTML: no JavaScript, a viewport for phones, a little CSS. <see cref="Text"/> encodes
/// everything that goes in, so configuration values and user input never become markup.
/// </summary>
public sealed class Html
{
    private readonly StringBuilder _body = new();

    public static string E(string text) => WebUtility.HtmlEncode(text);

    public Html Raw(string markup) { _body.Append(markup); return this; }
    public Html Text(string text) { _body.Append(E(text)); return this; }
    public Html Element(string tag, string text, string attributes = "") { _body.Append($"<{tag}{attributes}>{E(text)}</{tag}>\n"); return this; }
    public Html Heading(string text, string id) => Raw($"<h2 id=\"{id}\">{E(text)}</h2>\n");
    public Html Paragraph(string text) => Element("p", text);
    public Html Link(string href, string text) => Raw($"<a href=\"{E(href)}\">{E(text)}</a>");

    public Html OrderedList(IEnumerable<string> items)
    {
        _body.Append("<ol>\n");
        foreach (var item in items) _body.Append($"<li>{E(item)}</li>\n");
        _body.Append("</ol>\n");
        return this;
    }

    public Html Definitions(IEnumerable<(string Term, string Description)> entries)
    {
        _body.Append("<dl>\n");
        foreach (var (term, description) in entries) _body.Append($"<dt>{E(term)}</dt><dd>{E(description)}</dd>\n");
        _body.Append("</dl>\n");
        return this;
    }

    public Html Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows, string? caption = null)
    {
        _body.Append("<table>\n");
        if (caption is not null) _body.Append($"<caption>{E(caption)}</caption>\n");
        _body.Append("<thead><tr>").Append(string.Concat(header.Select(h => $"<th scope=\"col\">{E(h)}</th>"))).Append("</tr></thead>\n<tbody>\n");
        foreach (var row in rows) _body.Append("<tr>").Append(string.Concat(row.Select(c => $"<td>{E(c)}</td>"))).Append("</tr>\n");
        _body.Append("</tbody></table>\n");
        return this;
    }

    public string Page(string language, string title)
    {
        return $$"""
            <!DOCTYPE html>
            <html lang="{{E(language)}}">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{{E(title)}}</title>
            <style>
            body { font-family: system-ui, sans-serif; line-height: 1.5; max-width: 46rem; margin: 0 auto; padding: 1rem; color: #111; background: #fff; }
            h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
            table { border-collapse: collapse; width: 100%; margin: .5rem 0; display: block; overflow-x: auto; }
            th, td { border: 1px solid #bbb; padding: .3rem .5rem; text-align: left; vertical-align: top; }
            caption { text-align: left; font-weight: bold; padding: .3rem 0; }
            code, .fingerprint { font-family: ui-monospace, monospace; overflow-wrap: anywhere; }
            .zone { background: #eef5ff; border-left: 4px solid #36c; padding: .5rem .8rem; }
            .note { background: #fff6e0; border-left: 4px solid #c90; padding: .5rem .8rem; }
            label { display: block; margin-top: .6rem; } input { font-size: 1rem; padding: .3rem; max-width: 100%; }
            button { font-size: 1rem; padding: .4rem 1rem; margin-top: .8rem; }
            a { color: #0645ad; }
            dt { font-weight: bold; } dd { margin: 0 0 .5rem 1rem; }
            </style>
            </head>
            <body>
            <main>
            <h1>{{E(title)}}</h1>
            {{_body}}
            </main>
            </body>
            </html>

            """;
    }
}
