using System.Globalization;
using System.Text.Json;
using Platform.Domain.MarketData;

namespace Platform.Binance;

/// <summary>Reads Binance's kline fields from JSON: prices and volumes are decimal strings, times are ms or µs integers.</summary>
internal static class BinanceKlineJson
{
    /// <summary>A REST row: <c>[openTime, open, high, low, close, volume, closeTime, quoteVolume, trades, takerBuyBase, takerBuyQuote, ignore]</c>.</summary>
    public static Kline ParseRestRow(JsonElement row)
    {
        if (row.ValueKind != JsonValueKind.Array || row.GetArrayLength() < 11)
        {
            throw new FormatException($"a kline must be a 12-element array, got {Describe(row)}");
        }

        return new Kline(
            Time(row[0], "open time"),
            Decimal(row[1], "open"),
            Decimal(row[2], "high"),
            Decimal(row[3], "low"),
            Decimal(row[4], "close"),
            Decimal(row[5], "volume"),
            Time(row[6], "close time"),
            Decimal(row[7], "quote volume"),
            Integer(row[8], "number of trades"),
            Decimal(row[9], "taker buy base volume"),
            Decimal(row[10], "taker buy quote volume"));
    }

    /// <summary>The <c>k</c> object of a kline event: <c>{t, T, s, i, f, L, o, c, h, l, v, n, x, q, V, Q, B}</c>.</summary>
    public static Kline ParseEventKline(JsonElement k) => new(
        Time(Required(k, "t"), "t (open time)"),
        Decimal(Required(k, "o"), "o (open)"),
        Decimal(Required(k, "h"), "h (high)"),
        Decimal(Required(k, "l"), "l (low)"),
        Decimal(Required(k, "c"), "c (close)"),
        Decimal(Required(k, "v"), "v (volume)"),
        Time(Required(k, "T"), "T (close time)"),
        Decimal(Required(k, "q"), "q (quote volume)"),
        Integer(Required(k, "n"), "n (number of trades)"),
        Decimal(Required(k, "V"), "V (taker buy base volume)"),
        Decimal(Required(k, "Q"), "Q (taker buy quote volume)"));

    public static JsonElement Required(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) ? value : throw new FormatException($"field '{name}' is missing");

    public static string String(JsonElement value, string name) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : throw new FormatException($"{name} must be a string, got {Describe(value)}");

    public static DateTimeOffset Time(JsonElement value, string name)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var raw))
        {
            throw new FormatException($"{name} must be an integer timestamp, got {Describe(value)}");
        }

        return BinanceTime.FromUnix(raw) ?? throw new FormatException($"{name} {raw} is neither a millisecond nor a microsecond Unix timestamp");
    }

    private static decimal Decimal(JsonElement value, string name)
    {
        // Binance sends decimals as strings so no precision is lost; a bare number is accepted as the same value.
        var text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!,
            JsonValueKind.Number => value.GetRawText(),
            _ => throw new FormatException($"{name} must be a decimal string, got {Describe(value)}"),
        };
        return decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var d)
            ? d
            : throw new FormatException($"{name} '{text}' is not a decimal number");
    }

    private static long Integer(JsonElement value, string name) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) ? n : throw new FormatException($"{name} must be an integer, got {Describe(value)}");

    private static string Describe(JsonElement value)
    {
        var text = value.GetRawText();
        return $"{value.ValueKind.ToString().ToLowerInvariant()} {(text.Length > 40 ? text[..40] + "…" : text)}";
    }
}
