using System.Globalization;
using System.Text;
using OptOut.Workflow.Access;
using OptOut.Workflow.Cases;
using OptOut.Workflow.UseCases.ListCases;
using static OptOut.Api.HtmlPage;

namespace OptOut.Api.Portal;

/// <summary>The "My cases" page: a GET filter form (works without script), the page of cases, newest activity first, and a link to the next page.</summary>
internal static class CasesPage
{
    public static string Render(Caller person, CaseListQuery query, CasePage page)
    {
        var scope = person.IsAdministrator ? "every office" : string.Join(", ", person.Offices.Order(StringComparer.Ordinal));
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<p>Cases of {E(scope)}. Open a case to see its timeline and what to do next.</p>");
        sb.Append(Filters(query));
        if (page.Items.Count == 0)
        {
            sb.Append("<p class=\"notice\" role=\"status\">No cases match these filters.</p>");
        }
        else
        {
            sb.Append("<div class=\"table-wrap\"><table class=\"cases\"><caption>Cases, most recent activity first</caption><thead><tr>")
                .Append("<th scope=\"col\">Case</th><th scope=\"col\">Client</th><th scope=\"col\">Office</th><th scope=\"col\">Case manager</th>")
                .Append("<th scope=\"col\">Stage</th><th scope=\"col\">Outcome</th><th scope=\"col\">Received</th><th scope=\"col\">Last activity</th></tr></thead><tbody>");
            foreach (var c in page.Items.OrderByDescending(c => c.LastUpdatedAt))
            {
                sb.Append(CultureInfo.InvariantCulture, $"<tr><th scope=\"row\"><a href=\"{E(Routes.PortalCasePath(c.CaseId))}\">{E(c.CaseId)}</a></th><td>{E(c.ClientName)}</td><td>{E(c.Office)}</td><td>{E(c.CaseManager)}</td>")
                    .Append(CultureInfo.InvariantCulture, $"<td>{E(c.Stage)}</td><td>{E(c.Outcome ?? "—")}</td><td>{PortalPage.Time(c.ReceivedAt)}</td><td>{PortalPage.Time(c.LastUpdatedAt)}</td></tr>");
            }

            sb.Append("</tbody></table></div>");
        }

        var links = new List<string>();
        if (!string.IsNullOrEmpty(query.ContinuationToken))
        {
            links.Add($"<a href=\"{E(Link(query, null))}\">First page</a>");
        }

        if (page.ContinuationToken is { } next)
        {
            links.Add($"<a href=\"{E(Link(query, next))}\" rel=\"next\">Next page</a>");
        }

        if (links.Count > 0)
        {
            sb.Append(CultureInfo.InvariantCulture, $"<nav class=\"pager\" aria-label=\"Pages of cases\"><ul>{string.Concat(links.Select(l => $"<li>{l}</li>"))}</ul></nav>");
        }

        return sb.ToString();
    }

    public static string Invalid(IReadOnlyDictionary<string, string[]> errors) =>
        $"""
        <div class="notice notice-error" role="alert"><p>The filters are not valid:</p><ul>{string.Concat(errors.SelectMany(e => e.Value).Select(m => $"<li>{E(m)}</li>"))}</ul></div>
        <p><a href="/{Routes.Portal}">Show all my cases</a></p>
        """;

    private static string Filters(CaseListQuery query) =>
        $"""
        <form class="filters" method="get" action="/{Routes.Portal}" role="search" aria-label="Filter cases">
        <div class="field"><label for="filter-stage">Stage</label><select id="filter-stage" name="stage">{Options(Enum.GetNames<CaseStage>(), query.Stage?.ToString(), "Any stage")}</select></div>
        <div class="field"><label for="filter-outcome">Outcome</label><select id="filter-outcome" name="outcome">{Options(Enum.GetNames<CaseOutcome>(), query.Outcome?.ToString(), "Any outcome")}</select></div>
        <div class="actions"><button type="submit">Filter</button> <a href="/{Routes.Portal}">Clear filters</a></div>
        </form>
        """;

    private static string Options(IEnumerable<string> names, string? selected, string any) =>
        $"<option value=\"\">{E(any)}</option>" + string.Concat(names.Select(n => $"<option value=\"{E(n)}\"{(n == selected ? " selected" : "")}>{E(n)}</option>"));

    private static string Link(CaseListQuery query, string? token)
    {
        var parts = new List<string>();
        if (query.Stage is { } stage)
        {
            parts.Add("stage=" + Uri.EscapeDataString(stage.ToString()));
        }

        if (query.Outcome is { } outcome)
        {
            parts.Add("outcome=" + Uri.EscapeDataString(outcome.ToString()));
        }

        if (query.PageSize != PortalEndpoints.PageSize)
        {
            parts.Add("pageSize=" + query.PageSize.ToString(CultureInfo.InvariantCulture));
        }

        if (token is not null)
        {
            parts.Add("continuationToken=" + Uri.EscapeDataString(token));
        }

        return "/" + Routes.Portal + (parts.Count == 0 ? "" : "?" + string.Join("&", parts));
    }
}
