using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Platform.Mlflow.Server.Search;

/// <summary>
/// Offset page tokens, encoded as MLflow does: base64 of <c>{"offset": n}</c>. Clients treat them as opaque.
/// </summary>
internal static class PageToken
{
    public static string Encode(int offset) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{{\"offset\": {offset}}}")));

    public static int Decode(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return 0;
        }

        try
        {
            using var document = JsonDocument.Parse(Convert.FromBase64String(token));
            if (document.RootElement.TryGetProperty("offset", out var offset) && offset.TryGetInt32(out var value) && value >= 0)
            {
                return value;
            }
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            throw MlflowValidation.Invalid("Invalid page token, could not base64-decode or parse it.");
        }

        throw MlflowValidation.Invalid("Invalid page token: it has no non-negative offset.");
    }

    /// <summary>Takes one page of an ordered sequence and the token of the next page (null on the last page).</summary>
    public static (List<T> Page, string? NextToken) Page<T>(IReadOnlyList<T> ordered, string? token, long maxResults)
    {
        var offset = Decode(token);
        var size = (int)Math.Min(maxResults, int.MaxValue);
        var page = ordered.Skip(offset).Take(size).ToList();
        var next = offset + page.Count < ordered.Count ? Encode(offset + page.Count) : null;
        return (page, next);
    }
}

/// <summary>One <c>key [ASC|DESC]</c> term of an order_by list.</summary>
internal sealed record OrderTerm(FilterEntity Entity, string Key, bool Ascending)
{
    public static OrderTerm Parse(string text)
    {
        var trimmed = text.Trim();
        var ascending = true;
        if (trimmed.EndsWith(" DESC", StringComparison.OrdinalIgnoreCase))
        {
            ascending = false;
            trimmed = trimmed[..^5].TrimEnd();
        }
        else if (trimmed.EndsWith(" ASC", StringComparison.OrdinalIgnoreCase))
        {
            trimmed = trimmed[..^4].TrimEnd();
        }

        if (trimmed.Length == 0)
        {
            throw MlflowValidation.Invalid($"Invalid order_by clause '{text}'.");
        }

        var dot = trimmed.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0)
        {
            return new OrderTerm(FilterEntity.Attribute, trimmed, ascending);
        }

        var entity = trimmed[..dot].ToLowerInvariant() switch
        {
            "metric" or "metrics" => FilterEntity.Metric,
            "param" or "params" => FilterEntity.Param,
            "tag" or "tags" => FilterEntity.Tag,
            "attribute" or "attributes" or "attr" => FilterEntity.Attribute,
            _ => throw MlflowValidation.Invalid($"Invalid order_by clause '{text}': unknown entity type '{trimmed[..dot]}'."),
        };
        var key = trimmed[(dot + 1)..].Trim('`', '"');
        return new OrderTerm(entity, key, ascending);
    }

    /// <summary>Compares two values of this term; missing values sort last in both directions, as in MLflow.</summary>
    public int Compare(object? left, object? right)
    {
        if (left is null || right is null)
        {
            return left is null ? (right is null ? 0 : 1) : -1;
        }

        var result = (left, right) switch
        {
            (string a, string b) => string.CompareOrdinal(a, b),
            _ => Convert.ToDouble(left, CultureInfo.InvariantCulture).CompareTo(Convert.ToDouble(right, CultureInfo.InvariantCulture)),
        };
        return Ascending ? result : -result;
    }
}
