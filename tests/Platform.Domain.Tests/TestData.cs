using Platform.Domain.Features;
using Platform.Domain.MarketData;

namespace Platform.Domain.Tests;

/// <summary>Small synthetic market data for tests.</summary>
internal static class TestData
{
    public static readonly DateTimeOffset Start = new(2023, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static Kline Candle(int hour, decimal close, decimal volume = 10m, long? trades = 100, decimal? takerBuy = 5m) =>
        new(Start.AddHours(hour), close, close, close, close, volume, Start.AddHours(hour + 1).AddMilliseconds(-1), close * volume, trades, takerBuy, takerBuy * close);

    public static KlineSeries Series(string symbol, IEnumerable<decimal> closes, int firstHour = 0) =>
        new(symbol, KlineInterval.OneHour, [.. closes.Select((c, i) => Candle(firstHour + i, c))]);

    public static MarketDataSet DataSet(params KlineSeries[] series) =>
        new(series.ToDictionary(s => s.Symbol), [.. series.Select(s => KlineValidator.Validate(s.Symbol, s.Interval, [.. s.Klines.Select((k, i) => new SourcedKline(k, "test", i + 1))]).Report)]);

    public static MarketFrame Frame(params decimal[] closes)
    {
        var data = DataSet(Series("BTCUSDT", closes));
        return MarketFrame.Build(data, "BTCUSDT", ["BTCUSDT"]);
    }
}
