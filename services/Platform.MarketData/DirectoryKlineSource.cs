using System.Collections.Concurrent;
using Platform.Domain.MarketData;

namespace Platform.MarketData;

/// <summary>
/// An <see cref="IKlineSource"/> over a directory of kline files (e.g. the bundled data set). Each symbol's files are
/// read and validated once, then sliced per request; the report covers the requested range only.
/// </summary>
public sealed class DirectoryKlineSource(string directory) : IKlineSource
{
    private readonly ConcurrentDictionary<(string Symbol, string Interval), Lazy<MarketDataSet>> cache = new();

    public Task<SourcedSeries> LoadAsync(string symbol, KlineInterval interval, DateTimeOffset fromInclusive, DateTimeOffset toExclusive, CancellationToken cancellationToken = default)
    {
        var data = cache.GetOrAdd((symbol, interval.Code), key => new Lazy<MarketDataSet>(() => MarketDataLoader.LoadDirectory(directory, interval, [key.Symbol]).Data)).Value;
        var full = data[symbol];
        var report = data.Reports.Single(r => r.Symbol == symbol);
        bool Inside(DateTimeOffset? t) => t >= fromInclusive && t < toExclusive;
        var klines = full.Klines.Where(k => Inside(k.OpenTime)).ToList();
        var rejected = report.Rejected.Where(r => Inside(r.OpenTime)).ToList();
        var gaps = report.Gaps.Where(g => Inside(g.First) || Inside(g.Last)).ToList();
        var sliced = report with
        {
            RowsRead = klines.Count + rejected.Count,
            RowsAccepted = klines.Count,
            First = klines.Count > 0 ? klines[0].OpenTime : null,
            Last = klines.Count > 0 ? klines[^1].OpenTime : null,
            Rejected = rejected,
            Warnings = [.. report.Warnings.Where(w => Inside(w.OpenTime))],
            Gaps = gaps,
        };
        return Task.FromResult(new SourcedSeries(new KlineSeries(symbol, interval, klines), sliced));
    }
}
