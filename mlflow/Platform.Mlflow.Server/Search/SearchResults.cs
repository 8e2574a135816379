namespace Platform.Mlflow.Server.Search;

/// <summary>The filter, order and page steps every search (experiments, runs, registered models, versions) shares.</summary>
internal static class SearchResults
{
    /// <summary>
    /// Keeps the items every clause matches, orders them by the order_by terms (ties broken by
    /// <paramref name="fallback"/>) and takes the page <paramref name="pageToken"/> points at.
    /// </summary>
    public static (List<T> Page, string? NextToken) FilterOrderPage<T>(
        IEnumerable<T> items,
        IReadOnlyList<FilterClause> clauses,
        IReadOnlyList<OrderTerm> orderBy,
        Func<T, FilterEntity, string, object?> resolve,
        Comparison<T> fallback,
        string? pageToken,
        long maxResults)
    {
        var matching = items.Where(item => clauses.All(clause => clause.Matches(resolve(item, clause.Entity, clause.Key)))).ToList();
        matching.Sort((a, b) => CompareBy(orderBy, a, b, resolve, fallback));
        return PageToken.Page(matching, pageToken, maxResults);
    }

    private static int CompareBy<T>(IReadOnlyList<OrderTerm> orderBy, T a, T b, Func<T, FilterEntity, string, object?> resolve, Comparison<T> fallback)
    {
        foreach (var term in orderBy)
        {
            var result = term.Compare(resolve(a, term.Entity, term.Key), resolve(b, term.Entity, term.Key));
            if (result != 0)
            {
                return result;
            }
        }

        return fallback(a, b);
    }
}
