using System.Globalization;
using Platform.Domain.MarketData;

namespace Platform.MarketData;

/// <summary>Writes klines in Binance's CSV layout (the 12 columns of data.binance.vision, with the header the bundled files carry).</summary>
public static class BinanceKlineCsvWriter
{
    public const string Header = "open_time,open,high,low,close,volume,close_time,quote_asset_volume,number_of_trades,taker_buy_base_volume,taker_buy_quote_volume,ignore";

    public static void Write(TextWriter writer, KlineSeries series)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(series);
        writer.WriteLine(Header);
        foreach (var k in series.Klines)
        {
            writer.Write(k.OpenTime.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
            foreach (var value in new decimal?[] { k.Open, k.High, k.Low, k.Close, k.Volume })
            {
                writer.Write(',');
                writer.Write(Text(value));
            }

            writer.Write(',');
            writer.Write(k.CloseTime?.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
            writer.Write(',');
            writer.Write(Text(k.QuoteVolume));
            writer.Write(',');
            writer.Write(k.TradeCount?.ToString(CultureInfo.InvariantCulture));
            writer.Write(',');
            writer.Write(Text(k.TakerBuyBaseVolume));
            writer.Write(',');
            writer.Write(Text(k.TakerBuyQuoteVolume));
            writer.WriteLine(",0");
        }
    }

    // Dividing by 1.000… drops the trailing zeros a DECIMAL(38,18) column adds, keeping the value exact.
    private static string? Text(decimal? value) => value is { } d ? (d / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture) : null;
}
