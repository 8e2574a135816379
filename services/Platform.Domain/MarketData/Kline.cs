namespace Platform.Domain.MarketData;

/// <summary>
/// One candle as Binance publishes it. Fields after volume are optional because some sources (e.g. LTCUSDT here)
/// carry only OHLCV.
/// </summary>
public readonly record struct Kline(
    DateTimeOffset OpenTime,
    decimal Open,
    decimal High,
    decimal Low,
    decimal Close,
    decimal Volume,
    DateTimeOffset? CloseTime = null,
    decimal? QuoteVolume = null,
    long? TradeCount = null,
    decimal? TakerBuyBaseVolume = null,
    decimal? TakerBuyQuoteVolume = null);

/// <summary>A kline with where it came from, so every problem can name its file and line.</summary>
public readonly record struct SourcedKline(Kline Kline, string Source, int Line);
