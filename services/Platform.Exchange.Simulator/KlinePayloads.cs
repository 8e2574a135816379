using System.Globalization;
using System.Text;
using Platform.Domain.MarketData;

namespace Platform.Exchange.Simulator;

/// <summary>Binance's JSON shapes for klines: the REST row and the combined-stream kline event, in ms or µs.</summary>
internal static class KlinePayloads
{
    public static long Time(DateTimeOffset t, bool micro) => micro ? (t - DateTimeOffset.UnixEpoch).Ticks / 10 : t.ToUnixTimeMilliseconds();

    public static DateTimeOffset CloseTime(in Kline k, KlineInterval interval) => k.CloseTime ?? k.OpenTime + interval.Length - TimeSpan.FromMilliseconds(1);

    /// <summary><c>[openTime, "open", "high", "low", "close", "volume", closeTime, "quoteVolume", trades, "takerBuyBase", "takerBuyQuote", "0"]</c>.</summary>
    public static void AppendRestRow(StringBuilder json, in Kline k, KlineInterval interval, bool micro)
    {
        var c = CultureInfo.InvariantCulture;
        json.Append('[').Append(Time(k.OpenTime, micro).ToString(c))
            .Append(",\"").Append(k.Open.ToString(c)).Append("\",\"").Append(k.High.ToString(c))
            .Append("\",\"").Append(k.Low.ToString(c)).Append("\",\"").Append(k.Close.ToString(c))
            .Append("\",\"").Append(k.Volume.ToString(c)).Append("\",").Append(Time(CloseTime(k, interval), micro).ToString(c))
            .Append(",\"").Append((k.QuoteVolume ?? 0).ToString(c)).Append("\",").Append((k.TradeCount ?? 0).ToString(c))
            .Append(",\"").Append((k.TakerBuyBaseVolume ?? 0).ToString(c)).Append("\",\"").Append((k.TakerBuyQuoteVolume ?? 0).ToString(c))
            .Append("\",\"0\"]");
    }

    /// <summary><c>{"stream":"btcusdt@kline_1h","data":{"e":"kline","E":...,"s":"BTCUSDT","k":{...}}}</c>.</summary>
    public static string StreamEvent(string symbol, in Kline k, KlineInterval interval, bool closed, DateTimeOffset eventTime, bool micro)
    {
        var c = CultureInfo.InvariantCulture;
        var trades = k.TradeCount ?? 0;

        // Trade ids are not in kline files: number them so that f..L spans the kline's trades.
        var firstTrade = (k.OpenTime.ToUnixTimeMilliseconds() / 1000) * 10;
        var json = new StringBuilder(420);
        json.Append("{\"stream\":\"").Append(symbol.ToLowerInvariant()).Append("@kline_").Append(interval.Code)
            .Append("\",\"data\":{\"e\":\"kline\",\"E\":").Append(Time(eventTime, micro).ToString(c))
            .Append(",\"s\":\"").Append(symbol).Append("\",\"k\":{\"t\":").Append(Time(k.OpenTime, micro).ToString(c))
            .Append(",\"T\":").Append(Time(CloseTime(k, interval), micro).ToString(c))
            .Append(",\"s\":\"").Append(symbol).Append("\",\"i\":\"").Append(interval.Code)
            .Append("\",\"f\":").Append(trades > 0 ? firstTrade.ToString(c) : "-1")
            .Append(",\"L\":").Append(trades > 0 ? (firstTrade + trades - 1).ToString(c) : "-1")
            .Append(",\"o\":\"").Append(k.Open.ToString(c)).Append("\",\"c\":\"").Append(k.Close.ToString(c))
            .Append("\",\"h\":\"").Append(k.High.ToString(c)).Append("\",\"l\":\"").Append(k.Low.ToString(c))
            .Append("\",\"v\":\"").Append(k.Volume.ToString(c)).Append("\",\"n\":").Append(trades.ToString(c))
            .Append(",\"x\":").Append(closed ? "true" : "false")
            .Append(",\"q\":\"").Append((k.QuoteVolume ?? 0).ToString(c)).Append("\",\"V\":\"").Append((k.TakerBuyBaseVolume ?? 0).ToString(c))
            .Append("\",\"Q\":\"").Append((k.TakerBuyQuoteVolume ?? 0).ToString(c)).Append("\",\"B\":\"0\"}}}");
        return json.ToString();
    }

    public static string ServerShutdown(DateTimeOffset eventTime, bool micro) =>
        "{\"e\":\"serverShutdown\",\"E\":" + Time(eventTime, micro).ToString(CultureInfo.InvariantCulture) + "}";

    /// <summary>
    /// The kline as it stood a <paramref name="fraction"/> of the way through its interval: opens at the final open,
    /// moves linearly toward the close, widens toward the final high/low, and accumulates volume and trades. Every
    /// snapshot is itself a valid kline (L ≤ O,C ≤ H, taker-buy ≤ volume).
    /// </summary>
    public static Kline Forming(in Kline k, decimal fraction)
    {
        if (fraction >= 1)
        {
            return k;
        }

        var close = Round(k.Open + ((k.Close - k.Open) * fraction), k.Close);
        var high = Round(Math.Max(k.Open, close) + ((k.High - Math.Max(k.Open, k.Close)) * fraction), k.High);
        var low = Round(Math.Min(k.Open, close) - ((Math.Min(k.Open, k.Close) - k.Low) * fraction), k.Low);
        high = Math.Max(high, Math.Max(k.Open, close));
        low = Math.Min(low, Math.Min(k.Open, close));
        return new Kline(
            k.OpenTime,
            k.Open,
            high,
            low,
            close,
            Scale(k.Volume, fraction),
            k.CloseTime,
            k.QuoteVolume is { } q ? Scale(q, fraction) : null,
            k.TradeCount is { } n ? (long)(n * fraction) : null,
            k.TakerBuyBaseVolume is { } tb ? Scale(tb, fraction) : null,
            k.TakerBuyQuoteVolume is { } tq ? Scale(tq, fraction) : null);
    }

    private static decimal Scale(decimal value, decimal fraction) => Math.Round(value * fraction, 8, MidpointRounding.ToZero);

    private static decimal Round(decimal value, decimal like) => Math.Round(value, Math.Max(Scale(like), 2), MidpointRounding.ToEven);

    private static int Scale(decimal value) => (decimal.GetBits(value)[3] >> 16) & 0xFF;
}
