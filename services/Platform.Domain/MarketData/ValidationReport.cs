namespace Platform.Domain.MarketData;

/// <summary>Why a row was kept out of the data set.</summary>
public enum RejectionReason
{
    NonFiniteValue,
    NegativeValue,
    NonPositivePrice,
    OhlcInconsistent,
    DuplicateOpenTime,
    OutOfOrder,
    MisalignedOpenTime,
}

/// <summary>What is odd about a row that was kept anyway (real market behaviour, not an error).</summary>
public enum KlineWarningKind
{
    ZeroVolume,
}

/// <summary>A quarantined row: never silently dropped, always reported with its reason.</summary>
public sealed record RejectedRow(string Source, int Line, DateTimeOffset? OpenTime, RejectionReason Reason, string Detail);

public sealed record KlineWarning(string Source, int Line, DateTimeOffset OpenTime, KlineWarningKind Kind, string Detail);

/// <summary>Consecutive open times with no kline: <see cref="First"/> to <see cref="Last"/> inclusive.</summary>
public sealed record MissingRange(DateTimeOffset First, DateTimeOffset Last, int Count);

/// <summary>The validation outcome for one symbol.</summary>
public sealed record SymbolValidationReport(
    string Symbol,
    KlineInterval Interval,
    IReadOnlyList<string> Sources,
    int RowsRead,
    int RowsAccepted,
    DateTimeOffset? First,
    DateTimeOffset? Last,
    IReadOnlyList<RejectedRow> Rejected,
    IReadOnlyList<KlineWarning> Warnings,
    IReadOnlyList<MissingRange> Gaps)
{
    public int MissingBars => Gaps.Sum(g => g.Count);

    public bool IsClean => Rejected.Count == 0;
}

/// <summary>A validated data set: the accepted series per symbol and the full report.</summary>
public sealed record MarketDataSet(IReadOnlyDictionary<string, KlineSeries> Series, IReadOnlyList<SymbolValidationReport> Reports)
{
    /// <summary>Klines already in memory (a store's read, a stream's record), each symbol through <see cref="KlineValidator"/>.</summary>
    public static MarketDataSet Validate(IEnumerable<(string Symbol, IReadOnlyList<Kline> Klines)> symbols, KlineInterval interval, string source)
    {
        ArgumentNullException.ThrowIfNull(symbols);
        var series = new Dictionary<string, KlineSeries>(StringComparer.Ordinal);
        var reports = new List<SymbolValidationReport>();
        foreach (var (symbol, klines) in symbols)
        {
            var (validated, report) = KlineValidator.Validate(symbol, interval, [.. klines.Select((k, i) => new SourcedKline(k, source, i + 1))]);
            series[symbol] = validated;
            reports.Add(report);
        }

        return new MarketDataSet(series, reports);
    }

    public KlineSeries this[string symbol] =>
        Series.TryGetValue(symbol, out var s)
            ? s
            : throw new InvalidRequestException($"Symbol '{symbol}' is not in the data set (have: {string.Join(", ", Series.Keys.Order(StringComparer.Ordinal))}).");

    /// <summary>Missing open times common to every symbol (e.g. exchange outages).</summary>
    public IReadOnlyList<DateTimeOffset> CommonMissingOpenTimes()
    {
        HashSet<DateTimeOffset>? common = null;
        foreach (var report in Reports)
        {
            var times = report.Gaps.SelectMany(Expand).ToHashSet();
            if (common is null)
            {
                common = times;
            }
            else
            {
                common.IntersectWith(times);
            }
        }

        return common is null ? [] : [.. common.Order()];

        IEnumerable<DateTimeOffset> Expand(MissingRange gap)
        {
            var step = Reports[0].Interval.Length;
            for (var t = gap.First; t <= gap.Last; t += step)
            {
                yield return t;
            }
        }
    }
}
