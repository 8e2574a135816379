using System.Globalization;

namespace Platform.Domain.MarketData;

/// <summary>What was wrong with one symbol's data inside a range: quarantined rows and missing bars.</summary>
public sealed record SymbolDataQuality(string Symbol, int RejectedRows, int MissingBars, IReadOnlyList<MissingRange> Gaps);

/// <summary>
/// The data quality of the range a command actually used, so that every result states what it was computed on:
/// rows quarantined at validation (kept out of the data) and bars missing from the interval grid, per symbol, both
/// limited to [<see cref="From"/>, <see cref="To"/>). Rejected rows whose open time could not be read count everywhere.
/// </summary>
public sealed record DataQuality(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<SymbolDataQuality> Symbols)
{
    public int RejectedRows => Symbols.Sum(s => s.RejectedRows);

    public int MissingBars => Symbols.Sum(s => s.MissingBars);

    public bool IsClean => RejectedRows == 0 && MissingBars == 0;

    public static DataQuality Of(MarketDataSet data, IEnumerable<string> symbols, DateTimeOffset from, DateTimeOffset to)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(symbols);
        var wanted = symbols.Distinct().ToHashSet(StringComparer.Ordinal);
        var rows = new List<SymbolDataQuality>();
        foreach (var report in data.Reports.Where(r => wanted.Contains(r.Symbol)).OrderBy(r => r.Symbol, StringComparer.Ordinal))
        {
            var rejected = report.Rejected.Count(r => r.OpenTime is not { } t || (t >= from && t < to));
            var gaps = report.Gaps.Select(g => Clip(g, report.Interval, from, to)).OfType<MissingRange>().ToList();
            rows.Add(new SymbolDataQuality(report.Symbol, rejected, gaps.Sum(g => g.Count), gaps));
        }

        return new DataQuality(from, to, rows);
    }

    /// <summary>One line for a terminal or a report, e.g. "data 2022-01-01..2023-01-01: BTCUSDT 2 rejected rows, 13 missing bars in 8 gaps".</summary>
    public string Describe()
    {
        var range = string.Create(CultureInfo.InvariantCulture, $"data {From:yyyy-MM-dd HH:mm}..{To:yyyy-MM-dd HH:mm} UTC");
        if (Symbols.Count == 0)
        {
            return $"{range}: no symbol";
        }

        var perSymbol = Symbols.Select(s => string.Create(
            CultureInfo.InvariantCulture,
            $"{s.Symbol} {s.RejectedRows} rejected row{(s.RejectedRows == 1 ? "" : "s")}, {s.MissingBars} missing bar{(s.MissingBars == 1 ? "" : "s")}{(s.Gaps.Count > 0 ? $" in {s.Gaps.Count} gap{(s.Gaps.Count == 1 ? "" : "s")}" : "")}"));
        return $"{range}: {string.Join("; ", perSymbol)}";
    }

    private static MissingRange? Clip(MissingRange gap, KlineInterval interval, DateTimeOffset from, DateTimeOffset to)
    {
        var step = interval.Length;
        var first = gap.First;
        if (first < from)
        {
            first += step * Math.Ceiling((from - first) / step);
        }

        var last = gap.Last;
        if (last >= to)
        {
            last -= step * Math.Floor((last - to) / step + 1);
        }

        return last < first ? null : new MissingRange(first, last, (int)((last - first) / step) + 1);
    }
}
