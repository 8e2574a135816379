using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Platform.Mlflow.Server.Search;

/// <summary>What a filter clause refers to.</summary>
internal enum FilterEntity
{
    Metric,
    Param,
    Tag,
    Attribute,
}

/// <summary>One <c>entity.key OP value</c> clause of an MLflow search filter.</summary>
internal sealed record FilterClause(FilterEntity Entity, string Key, string Operator, IReadOnlyList<object> Values)
{
    /// <summary>
    /// True when <paramref name="actual"/> satisfies the clause. A missing value (null) never matches, not even for
    /// <c>!=</c>, as in MLflow (runs without the metric, param or tag are excluded).
    /// </summary>
    public bool Matches(object? actual)
    {
        switch (actual)
        {
            case null:
                return false;
            case double number:
                return CompareNumbers(number, Convert.ToDouble(Values[0], CultureInfo.InvariantCulture));
            case long integer:
                return CompareNumbers(integer, Convert.ToDouble(Values[0], CultureInfo.InvariantCulture));
            case string text:
                return Operator switch
                {
                    "=" => text == (string)Values[0],
                    "!=" => text != (string)Values[0],
                    "LIKE" => Like((string)Values[0], ignoreCase: false).IsMatch(text),
                    "ILIKE" => Like((string)Values[0], ignoreCase: true).IsMatch(text),
                    "IN" => Values.Any(v => (string)v == text),
                    "NOT IN" => Values.All(v => (string)v != text),
                    _ => false,
                };
            default:
                return false;
        }
    }

    private bool CompareNumbers(double actual, double expected) => Operator switch
    {
        "=" => actual.Equals(expected),
        "!=" => !actual.Equals(expected),
        ">" => actual > expected,
        ">=" => actual >= expected,
        "<" => actual < expected,
        "<=" => actual <= expected,
        _ => false,
    };

    private static Regex Like(string pattern, bool ignoreCase)
    {
        var regex = new StringBuilder("^");
        foreach (var c in pattern)
        {
            regex.Append(c switch
            {
                '%' => ".*",
                '_' => ".",
                _ => Regex.Escape(c.ToString()),
            });
        }

        regex.Append('$');
        return new Regex(regex.ToString(), RegexOptions.Singleline | (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None), TimeSpan.FromSeconds(1));
    }
}

/// <summary>
/// Parser for MLflow's search filter language, the subset the platform uses: clauses joined by AND, each
/// <c>metrics.k &gt; 1.5</c>, <c>params.k = 'v'</c>, <c>tags.k != 'v'</c>, <c>attributes.status = 'FINISHED'</c>,
/// <c>run_id IN ('a', 'b')</c>, <c>name LIKE 'x%'</c>. Keys with special characters are quoted with backticks or double quotes.
/// Errors are INVALID_PARAMETER_VALUE with the position of the problem.
/// </summary>
internal static class SearchFilter
{
    private static readonly string[] Comparators = ["!=", ">=", "<=", "=", ">", "<"];

    /// <summary>Attributes compared as numbers; everything else is a string attribute.</summary>
    private static readonly HashSet<string> NumericAttributes = new(StringComparer.Ordinal)
    {
        "start_time", "end_time", "created", "creation_time", "last_update_time", "creation_timestamp", "last_updated_timestamp", "version_number",
    };

    public static IReadOnlyList<FilterClause> Parse(string? filter)
    {
        if (string.IsNullOrWhiteSpace(filter))
        {
            return [];
        }

        var clauses = new List<FilterClause>();
        var position = 0;
        while (true)
        {
            clauses.Add(ParseClause(filter, ref position));
            SkipSpaces(filter, ref position);
            if (position >= filter.Length)
            {
                return clauses;
            }

            if (!TryKeyword(filter, ref position, "AND"))
            {
                throw Error(filter, position, "expected AND between clauses (OR is not supported)");
            }
        }
    }

    private static FilterClause ParseClause(string filter, ref int position)
    {
        SkipSpaces(filter, ref position);
        var (entity, key) = ParseIdentifier(filter, ref position);
        SkipSpaces(filter, ref position);
        var op = ParseOperator(filter, ref position);
        SkipSpaces(filter, ref position);
        var numeric = entity == FilterEntity.Metric || (entity == FilterEntity.Attribute && NumericAttributes.Contains(key));
        var values = new List<object>();
        if (op is "IN" or "NOT IN")
        {
            if (numeric)
            {
                throw Error(filter, position, $"{op} is only supported for string attributes");
            }

            Expect(filter, ref position, '(');
            do
            {
                SkipSpaces(filter, ref position);
                values.Add(ParseString(filter, ref position));
                SkipSpaces(filter, ref position);
            }
            while (TryChar(filter, ref position, ','));
            Expect(filter, ref position, ')');
        }
        else if (numeric)
        {
            if (op is "LIKE" or "ILIKE")
            {
                throw Error(filter, position, $"{op} is not supported for numeric {Describe(entity, key)}");
            }

            values.Add(ParseNumber(filter, ref position, Describe(entity, key)));
        }
        else
        {
            if (op is ">" or ">=" or "<" or "<=")
            {
                throw Error(filter, position, $"comparator '{op}' is not supported for {Describe(entity, key)}; use =, !=, LIKE or ILIKE");
            }

            values.Add(ParseString(filter, ref position));
        }

        return new FilterClause(entity, key, op, values);
    }

    private static string Describe(FilterEntity entity, string key) => $"{entity.ToString().ToLowerInvariant()} '{key}'";

    private static (FilterEntity Entity, string Key) ParseIdentifier(string filter, ref int position)
    {
        var start = position;
        while (position < filter.Length && (char.IsLetterOrDigit(filter[position]) || filter[position] == '_'))
        {
            position++;
        }

        var head = filter[start..position];
        if (head.Length == 0)
        {
            throw Error(filter, position, "expected an identifier such as metrics.x, params.x, tags.x or attributes.x");
        }

        if (position >= filter.Length || filter[position] != '.')
        {
            return (FilterEntity.Attribute, head);
        }

        FilterEntity entity = head.ToLowerInvariant() switch
        {
            "metric" or "metrics" => FilterEntity.Metric,
            "param" or "params" or "parameter" or "parameters" => FilterEntity.Param,
            "tag" or "tags" => FilterEntity.Tag,
            "attribute" or "attributes" or "attr" or "run" => FilterEntity.Attribute,
            _ => throw Error(filter, start, $"invalid entity type '{head}'; expected metrics, params, tags or attributes"),
        };
        position++;
        string key;
        if (position < filter.Length && filter[position] is '`' or '"')
        {
            key = ParseQuoted(filter, ref position, filter[position]);
        }
        else
        {
            var keyStart = position;
            while (position < filter.Length && (char.IsLetterOrDigit(filter[position]) || filter[position] is '_' or '.' or '/' or '-'))
            {
                position++;
            }

            key = filter[keyStart..position];
        }

        return key.Length == 0 ? throw Error(filter, position, "expected a key after the entity type") : (entity, key);
    }

    private static string ParseOperator(string filter, ref int position)
    {
        foreach (var comparator in Comparators)
        {
            if (string.CompareOrdinal(filter, position, comparator, 0, comparator.Length) == 0)
            {
                position += comparator.Length;
                return comparator;
            }
        }

        if (TryKeyword(filter, ref position, "LIKE"))
        {
            return "LIKE";
        }

        if (TryKeyword(filter, ref position, "ILIKE"))
        {
            return "ILIKE";
        }

        if (TryKeyword(filter, ref position, "IN"))
        {
            return "IN";
        }

        var save = position;
        if (TryKeyword(filter, ref position, "NOT"))
        {
            SkipSpaces(filter, ref position);
            if (TryKeyword(filter, ref position, "IN"))
            {
                return "NOT IN";
            }

            position = save;
        }

        throw Error(filter, position, "expected a comparator (=, !=, >, >=, <, <=, LIKE, ILIKE, IN, NOT IN)");
    }

    private static string ParseString(string filter, ref int position)
    {
        if (position < filter.Length && filter[position] is '\'' or '"')
        {
            return ParseQuoted(filter, ref position, filter[position]);
        }

        throw Error(filter, position, "expected a quoted string value");
    }

    private static string ParseQuoted(string filter, ref int position, char quote)
    {
        var end = filter.IndexOf(quote, position + 1);
        if (end < 0)
        {
            throw Error(filter, position, "unterminated quoted string");
        }

        var value = filter[(position + 1)..end];
        position = end + 1;
        return value;
    }

    private static double ParseNumber(string filter, ref int position, string subject)
    {
        var start = position;
        while (position < filter.Length && (char.IsDigit(filter[position]) || filter[position] is '.' or '-' or '+' or 'e' or 'E'))
        {
            position++;
        }

        return double.TryParse(filter.AsSpan(start, position - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw Error(filter, start, $"expected a numeric value for {subject}");
    }

    private static bool TryKeyword(string filter, ref int position, string keyword)
    {
        if (position + keyword.Length <= filter.Length &&
            string.Compare(filter, position, keyword, 0, keyword.Length, StringComparison.OrdinalIgnoreCase) == 0 &&
            (position + keyword.Length == filter.Length || !char.IsLetterOrDigit(filter[position + keyword.Length])))
        {
            position += keyword.Length;
            return true;
        }

        return false;
    }

    private static bool TryChar(string filter, ref int position, char c)
    {
        if (position < filter.Length && filter[position] == c)
        {
            position++;
            return true;
        }

        return false;
    }

    private static void Expect(string filter, ref int position, char c)
    {
        SkipSpaces(filter, ref position);
        if (!TryChar(filter, ref position, c))
        {
            throw Error(filter, position, $"expected '{c}'");
        }
    }

    private static void SkipSpaces(string filter, ref int position)
    {
        while (position < filter.Length && char.IsWhiteSpace(filter[position]))
        {
            position++;
        }
    }

    private static MlflowInvalidParameterException Error(string filter, int position, string problem) =>
        MlflowValidation.Invalid($"Invalid filter '{filter}' at position {position}: {problem}.");
}
