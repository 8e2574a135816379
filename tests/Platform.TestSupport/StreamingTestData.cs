using Platform.Domain.Execution;
using Platform.Domain.Features;
using Platform.Domain.MarketData;

namespace Platform.TestSupport;

/// <summary>Klines, feature rows and a small spec for tests of the streaming services, all deterministic.</summary>
public static class StreamingTestData
{
    public static readonly DateTimeOffset Start = new(2022, 3, 1, 0, 0, 0, TimeSpan.Zero);

    public static readonly FeatureSpec Spec = new("service-test", 1, WindowLength: 4, Lookback: 3,
    [
        new SymbolFeatures("BTCUSDT", [FeatureKind.LogReturn, FeatureKind.LogVolumeRatio]),
        new SymbolFeatures("ETHUSDT", [FeatureKind.LogReturn]),
    ]);

    public static DateTimeOffset H(int hour) => Start.AddHours(hour);

    /// <summary>Prices that trend up and down for a few hours at a time, so a momentum model trades both ways.</summary>
    public static Kline Kline(string symbol, int hour)
    {
        var wave = Math.Sin(hour / 5.0) + (0.3 * Math.Sin(hour * 1.7));
        var close = Math.Round((symbol == "BTCUSDT" ? 40_000m : 3_000m) * (1m + (0.02m * (decimal)wave)), 2);
        var volume = 10m + (hour * 7 % 13);
        return new Kline(H(hour), close, close * 1.001m, close * 0.999m, close, volume, H(hour + 1).AddMilliseconds(-1), volume * close, 100 + hour, volume / 2, volume * close / 2);
    }

    public static StreamedKline Streamed(string symbol, int hour) => new(symbol, KlineInterval.OneHour, Kline(symbol, hour), true, "test", H(hour + 1));

    /// <summary>The rows one uninterrupted computation makes of hours [0, <paramref name="hours"/>).</summary>
    public static List<LiveFeatureRow> ReferenceRows(int hours)
    {
        var features = new AlignedLiveFeatures(Spec, "BTCUSDT");
        var rows = new List<LiveFeatureRow>();
        for (var hour = 0; hour < hours; hour++)
        {
            rows.AddRange(features.Offer("ETHUSDT", Kline("ETHUSDT", hour)));
            rows.AddRange(features.Offer("BTCUSDT", Kline("BTCUSDT", hour)));
        }

        return rows;
    }

    /// <summary>A decision without its wall-clock time, Q-values as bits: what two runs of the same bars must agree on.</summary>
    public static object Comparable(TradingDecision d) =>
        (d.DecisionId, d.ModelVersion, d.OpenTime, d.Action, d.PositionBefore, d.BarClose, string.Join(",", d.QValues.Select(q => BitConverter.DoubleToInt64Bits(q))));
}
