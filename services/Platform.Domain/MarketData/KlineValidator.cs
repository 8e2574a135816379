namespace Platform.Domain.MarketData;

/// <summary>
/// Checks parsed klines and splits them into an accepted series and quarantined rows with reasons.
/// Corrupt data is worse than no data: nothing is "fixed", nothing disappears without a line in the report.
/// </summary>
public static class KlineValidator
{
    public static (KlineSeries Series, SymbolValidationReport Report) Validate(
        string symbol,
        KlineInterval interval,
        IReadOnlyList<SourcedKline> rows,
        IReadOnlyList<RejectedRow>? parseRejected = null,
        IReadOnlyList<string>? sources = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var rejected = new List<RejectedRow>(parseRejected ?? []);
        var warnings = new List<KlineWarning>();
        var accepted = new List<Kline>(rows.Count);
        var acceptedAt = new Dictionary<DateTimeOffset, SourcedKline>(rows.Count);

        foreach (var row in rows)
        {
            var k = row.Kline;
            if (Check(k, interval) is { } p)
            {
                rejected.Add(Reject(row, p.Reason, p.Detail));
                continue;
            }

            if (acceptedAt.TryGetValue(k.OpenTime, out var first))
            {
                var detail = first.Kline == k
                    ? $"identical to {first.Source}:{first.Line}"
                    : $"conflicts with {first.Source}:{first.Line}, which was kept";
                rejected.Add(Reject(row, RejectionReason.DuplicateOpenTime, detail));
                continue;
            }

            if (accepted.Count > 0 && k.OpenTime < accepted[^1].OpenTime)
            {
                rejected.Add(Reject(row, RejectionReason.OutOfOrder, $"open time {k.OpenTime:O} comes after {accepted[^1].OpenTime:O}"));
                continue;
            }

            if (k.Volume == 0)
            {
                warnings.Add(new KlineWarning(row.Source, row.Line, k.OpenTime, KlineWarningKind.ZeroVolume, "zero volume (no trades in the interval)"));
            }

            accepted.Add(k);
            acceptedAt.Add(k.OpenTime, row);
        }

        var gaps = FindGaps(accepted, interval);
        var series = new KlineSeries(symbol, interval, accepted);
        var report = new SymbolValidationReport(
            symbol,
            interval,
            sources ?? [.. rows.Select(r => r.Source).Distinct()],
            rows.Count + (parseRejected?.Count ?? 0),
            accepted.Count,
            accepted.Count > 0 ? accepted[0].OpenTime : null,
            accepted.Count > 0 ? accepted[^1].OpenTime : null,
            [.. rejected.OrderBy(r => r.Source, StringComparer.Ordinal).ThenBy(r => r.Line)],
            warnings,
            gaps);
        return (series, report);
    }

    /// <summary>
    /// The checks that concern one kline alone (values, OHLC consistency, alignment to the interval), for live sources
    /// that see klines one at a time; null when the kline is valid. Ordering and duplicates are the caller's concern.
    /// </summary>
    public static (RejectionReason Reason, string Detail)? Check(in Kline kline, KlineInterval interval)
    {
        if (ValueProblem(kline) is { } problem)
        {
            return problem;
        }

        var intervalMs = (long)interval.Length.TotalMilliseconds;
        return kline.OpenTime.ToUnixTimeMilliseconds() % intervalMs != 0
            ? (RejectionReason.MisalignedOpenTime, $"open time {kline.OpenTime:O} is not on a {interval.Code} boundary")
            : null;
    }

    private static RejectedRow Reject(SourcedKline row, RejectionReason reason, string detail) =>
        new(row.Source, row.Line, row.Kline.OpenTime, reason, detail);

    private static (RejectionReason Reason, string Detail)? ValueProblem(in Kline k)
    {
        if (k.Open < 0 || k.High < 0 || k.Low < 0 || k.Close < 0 || k.Volume < 0
            || k.QuoteVolume < 0 || k.TradeCount < 0 || k.TakerBuyBaseVolume < 0 || k.TakerBuyQuoteVolume < 0)
        {
            return (RejectionReason.NegativeValue, "negative price, volume or count");
        }

        if (k.Open == 0 || k.High == 0 || k.Low == 0 || k.Close == 0)
        {
            return (RejectionReason.NonPositivePrice, "zero price");
        }

        if (k.Low > k.High || k.High < Math.Max(k.Open, k.Close) || k.Low > Math.Min(k.Open, k.Close))
        {
            return (RejectionReason.OhlcInconsistent, $"O={k.Open} H={k.High} L={k.Low} C={k.Close} violates L <= O,C <= H");
        }

        if (k.TakerBuyBaseVolume > k.Volume)
        {
            return (RejectionReason.OhlcInconsistent, $"taker-buy volume {k.TakerBuyBaseVolume} exceeds volume {k.Volume}");
        }

        return null;
    }

    private static List<MissingRange> FindGaps(List<Kline> accepted, KlineInterval interval)
    {
        var gaps = new List<MissingRange>();
        for (var i = 1; i < accepted.Count; i++)
        {
            var expected = accepted[i - 1].OpenTime + interval.Length;
            if (accepted[i].OpenTime > expected)
            {
                var missing = (int)((accepted[i].OpenTime - expected).Ticks / interval.Length.Ticks);
                gaps.Add(new MissingRange(expected, accepted[i].OpenTime - interval.Length, missing));
            }
        }

        return gaps;
    }
}
