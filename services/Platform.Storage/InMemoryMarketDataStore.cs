using Platform.Domain.MarketData;

namespace Platform.Storage;

/// <summary>A thread-safe in-memory <see cref="IMarketDataStore"/> for tests and throw-away runs.</summary>
public sealed class InMemoryMarketDataStore : IMarketDataStore
{
    private readonly Dictionary<(string Symbol, string Interval), SortedDictionary<DateTimeOffset, Kline>> data = [];
    private readonly Dictionary<string, KlineInterval> intervals = [];
    private readonly Lock gate = new();

    public Task<UpsertResult> UpsertAsync(KlineSeries series, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(series);
        int inserted = 0, updated = 0, unchanged = 0;
        lock (gate)
        {
            var key = (series.Symbol, series.Interval.Code);
            if (!data.TryGetValue(key, out var rows))
            {
                data[key] = rows = [];
                intervals[series.Interval.Code] = series.Interval;
            }

            foreach (var k in series.Klines)
            {
                if (!rows.TryGetValue(k.OpenTime, out var existing))
                {
                    inserted++;
                }
                else if (existing == k)
                {
                    unchanged++;
                    continue;
                }
                else
                {
                    updated++;
                }

                rows[k.OpenTime] = k;
            }
        }

        return Task.FromResult(new UpsertResult(inserted, updated, unchanged));
    }

    public Task<KlineSeries> ReadAsync(string symbol, KlineInterval interval, DateTimeOffset fromInclusive, DateTimeOffset toExclusive, CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            var rows = data.TryGetValue((symbol, interval.Code), out var r)
                ? r.Values.Where(k => k.OpenTime >= fromInclusive && k.OpenTime < toExclusive).ToList()
                : [];
            return Task.FromResult(new KlineSeries(symbol, interval, rows));
        }
    }

    public Task<IReadOnlyList<StoredSeriesInfo>> ListAsync(CancellationToken cancellationToken = default)
    {
        lock (gate)
        {
            IReadOnlyList<StoredSeriesInfo> list = [.. data.Where(p => p.Value.Count > 0)
                .OrderBy(p => p.Key.Symbol, StringComparer.Ordinal).ThenBy(p => p.Key.Interval, StringComparer.Ordinal)
                .Select(p => new StoredSeriesInfo(p.Key.Symbol, intervals[p.Key.Interval], p.Value.Count, p.Value.Keys.First(), p.Value.Keys.Last()))];
            return Task.FromResult(list);
        }
    }
}
