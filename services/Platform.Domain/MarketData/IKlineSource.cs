namespace Platform.Domain.MarketData;

/// <summary>Validated klines of one symbol for a time range, with the validation report of what was read.</summary>
public sealed record SourcedSeries(KlineSeries Series, SymbolValidationReport Report);

/// <summary>Where backfills read klines from: a directory of files, data.binance.vision, the REST API.</summary>
public interface IKlineSource
{
    /// <summary>Klines with open time in [<paramref name="fromInclusive"/>, <paramref name="toExclusive"/>), validated.</summary>
    Task<SourcedSeries> LoadAsync(string symbol, KlineInterval interval, DateTimeOffset fromInclusive, DateTimeOffset toExclusive, CancellationToken cancellationToken = default);
}
