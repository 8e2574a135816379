using Platform.Domain.MarketData;

namespace Platform.Activities;

/// <summary>Reads what training and evaluation need from the market-data store, validated like any other source.</summary>
internal static class StoredMarketData
{
    public static async Task<MarketDataSet> LoadAsync(IMarketDataStore store, IEnumerable<string> symbols, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var series = new Dictionary<string, KlineSeries>(StringComparer.Ordinal);
        var reports = new List<SymbolValidationReport>();
        foreach (var symbol in symbols.Distinct())
        {
            var stored = await store.ReadAsync(symbol, KlineInterval.OneHour, from, to, cancellationToken);
            if (stored.Count == 0)
            {
                throw new ArgumentException($"The market-data store has no {symbol} klines in [{from:yyyy-MM-dd}, {to:yyyy-MM-dd}); run the backfill first.");
            }

            var (validated, report) = KlineValidator.Validate(symbol, stored.Interval, [.. stored.Klines.Select((k, i) => new SourcedKline(k, "market-store", i + 1))]);
            series[symbol] = validated;
            reports.Add(report);
        }

        return new MarketDataSet(series, reports);
    }
}
