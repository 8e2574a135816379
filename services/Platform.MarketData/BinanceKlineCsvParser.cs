using System.Globalization;
using Platform.Domain.MarketData;

namespace Platform.MarketData;

/// <summary>What one file held: parsed rows and rows quarantined while parsing (e.g. NaN values).</summary>
public sealed record ParsedKlines(string Source, IReadOnlyList<SourcedKline> Rows, IReadOnlyList<RejectedRow> Rejected);

/// <summary>
/// Parses Binance's kline CSV layout: open_time, open, high, low, close, volume, close_time, quote_asset_volume,
/// number_of_trades, taker_buy_base_volume, taker_buy_quote_volume, ignore. Header optional; the first 6 columns are
/// required, the rest may be empty or absent. Timestamps may be in milliseconds or microseconds (data.binance.vision
/// switched spot files to µs on 2025-01-01), decided per value.
/// </summary>
public static class BinanceKlineCsvParser
{
    private static readonly string[] ColumnNames =
    [
        "open_time", "open", "high", "low", "close", "volume", "close_time", "quote_asset_volume", "number_of_trades",
        "taker_buy_base_volume", "taker_buy_quote_volume", "ignore",
    ];

    public static ParsedKlines Parse(TextReader reader, string source)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var rows = new List<SourcedKline>();
        var rejected = new List<RejectedRow>();
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var fields = line.Split(',');
            if (lineNumber == 1 && IsHeader(fields[0]))
            {
                continue;
            }

            if (fields.Length is < 6 or > 12)
            {
                throw new MarketDataFormatException(source, lineNumber, $"expected 6 to 12 comma-separated columns (Binance kline layout), found {fields.Length}");
            }

            var openTime = ParseTimestamp(fields[0], source, lineNumber, "open_time");
            var values = new decimal?[12];
            string? nonFinite = null;
            foreach (var c in (int[])[1, 2, 3, 4, 5, 7, 9, 10])
            {
                if (c >= fields.Length || fields[c].Length == 0)
                {
                    if (c <= 5)
                    {
                        throw new MarketDataFormatException(source, lineNumber, $"column {ColumnNames[c]} is empty");
                    }

                    continue;
                }

                if (decimal.TryParse(fields[c], NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
                {
                    values[c] = d;
                }
                else if (IsNonFinite(fields[c]))
                {
                    nonFinite ??= $"column {ColumnNames[c]} is '{fields[c].Trim()}'";
                }
                else
                {
                    throw new MarketDataFormatException(source, lineNumber, $"column {ColumnNames[c]}: '{fields[c]}' is not a number");
                }
            }

            if (nonFinite is not null)
            {
                rejected.Add(new RejectedRow(source, lineNumber, openTime, RejectionReason.NonFiniteValue, nonFinite));
                continue;
            }

            DateTimeOffset? closeTime = fields.Length > 6 && fields[6].Length > 0 ? ParseTimestamp(fields[6], source, lineNumber, "close_time") : null;
            long? trades = null;
            if (fields.Length > 8 && fields[8].Length > 0)
            {
                trades = long.TryParse(fields[8], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)
                    ? n
                    : throw new MarketDataFormatException(source, lineNumber, $"column number_of_trades: '{fields[8]}' is not an integer");
            }

            var kline = new Kline(
                openTime,
                values[1]!.Value,
                values[2]!.Value,
                values[3]!.Value,
                values[4]!.Value,
                values[5]!.Value,
                closeTime,
                values[7],
                trades,
                values[9],
                values[10]);
            rows.Add(new SourcedKline(kline, source, lineNumber));
        }

        return new ParsedKlines(source, rows, rejected);
    }

    /// <summary>Unix time in ms or µs (per value): ms timestamps have 13 digits until the year 2286, µs have 16.</summary>
    internal static DateTimeOffset ParseTimestamp(string text, string source, int line, string column)
    {
        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            throw new MarketDataFormatException(source, line, $"column {column}: '{text}' is not an integer timestamp");
        }

        return Platform.Binance.BinanceTime.FromUnix(value)
            ?? throw new MarketDataFormatException(source, line, $"column {column}: {value} is neither a millisecond nor a microsecond Unix timestamp");
    }

    private static bool IsHeader(string firstField) =>
        firstField.Length > 0 && !char.IsDigit(firstField.Trim()[0]);

    private static bool IsNonFinite(string text)
    {
        var t = text.Trim().TrimStart('+', '-');
        return t.Equals("nan", StringComparison.OrdinalIgnoreCase)
            || t.Equals("inf", StringComparison.OrdinalIgnoreCase)
            || t.Equals("infinity", StringComparison.OrdinalIgnoreCase);
    }
}
