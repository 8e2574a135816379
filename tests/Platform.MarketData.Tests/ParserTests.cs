using Platform.Domain.MarketData;

namespace Platform.MarketData.Tests;

public class ParserTests
{
    private const string Header = "open_time,open,high,low,close,volume,close_time,quote_asset_volume,number_of_trades,taker_buy_base_volume,taker_buy_quote_volume,ignore";

    private static ParsedKlines Parse(string text) => BinanceKlineCsvParser.Parse(new StringReader(text), "BTCUSDT.csv");

    [Fact]
    public void Parse_MillisecondsWithHeader_ReadsAllTwelveColumns()
    {
        var parsed = Parse($"{Header}\n1609459200000,28923.63,29031.34,28690.17,28995.13,2311.811445,1609462799999,66768830.34,58389,1215.359238,35103542.78,0\n");

        var row = Assert.Single(parsed.Rows);
        Assert.Equal(new DateTimeOffset(2021, 1, 1, 0, 0, 0, TimeSpan.Zero), row.Kline.OpenTime);
        Assert.Equal(28995.13m, row.Kline.Close);
        Assert.Equal(58389, row.Kline.TradeCount);
        Assert.Equal(1215.359238m, row.Kline.TakerBuyBaseVolume);
        Assert.Equal(new DateTimeOffset(2021, 1, 1, 0, 59, 59, 999, TimeSpan.Zero), row.Kline.CloseTime);
        Assert.Equal(2, row.Line);
    }

    [Fact]
    public void Parse_MicrosecondsWithoutHeader_DetectsUnitPerValue()
    {
        var parsed = Parse("1735689600000000,93576.00,94509.42,93489.03,94401.14,755.91,1735693199999999,71050000.1,142137,400.1,37600000.2,0\n1735693200000,94401.13,94534.92,94155.54,94320.00,399.1,1735696799999,37600000.1,95000,200.1,18800000.2,0\n");

        Assert.Equal(2, parsed.Rows.Count);
        Assert.Equal(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), parsed.Rows[0].Kline.OpenTime);
        Assert.Equal(new DateTimeOffset(2025, 1, 1, 0, 59, 59, 999, TimeSpan.Zero).AddTicks(9990), parsed.Rows[0].Kline.CloseTime);
        Assert.Equal(new DateTimeOffset(2025, 1, 1, 1, 0, 0, TimeSpan.Zero), parsed.Rows[1].Kline.OpenTime);
        Assert.Equal(1, parsed.Rows[0].Line);
    }

    [Fact]
    public void Parse_OhlcvOnly_LeavesOptionalFieldsEmpty()
    {
        var parsed = Parse($"{Header}\n1609459200000,124.22,124.87,122.89,123.87,42555.42262,,,,,,\n1609462800000,123.88,131.94,123.88,131.7,206628.4\n");

        Assert.Equal(2, parsed.Rows.Count);
        Assert.Null(parsed.Rows[0].Kline.TradeCount);
        Assert.Null(parsed.Rows[1].Kline.TakerBuyBaseVolume);
    }

    [Fact]
    public void Parse_NaNValue_QuarantinesRowWithReason()
    {
        var parsed = Parse("1609459200000,1,1,1,NaN,1\n1609462800000,1,1,1,1,1\n");

        Assert.Single(parsed.Rows);
        var rejected = Assert.Single(parsed.Rejected);
        Assert.Equal(RejectionReason.NonFiniteValue, rejected.Reason);
        Assert.Equal(1, rejected.Line);
        Assert.Contains("close", rejected.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1609459200000,1,1,1,abc,1", 1, "column close: 'abc' is not a number")]
    [InlineData("1609459200000,1,1,1", 1, "found 4")]
    [InlineData("16094592,1,1,1,1,1", 1, "neither a millisecond nor a microsecond")]
    [InlineData("1609459200000,1,1,1,1,", 1, "column volume is empty")]
    [InlineData("1609459200000,1,1,1,1,1,1609462799999,1,12.5,1,1,0", 1, "number_of_trades: '12.5' is not an integer")]
    [InlineData("x\n1609459200000,1,1,1,1,1\n2021-01-01,1,1,1,1,1", 3, "'2021-01-01' is not an integer timestamp")]
    public void Parse_MalformedLine_FailsNamingFileLineAndProblem(string text, int line, string problem)
    {
        var e = Assert.Throws<MarketDataFormatException>(() => Parse(text));

        Assert.Equal("BTCUSDT.csv", e.SourceName);
        Assert.Equal(line, e.Line);
        Assert.Contains(problem, e.Message, StringComparison.Ordinal);
        Assert.StartsWith($"BTCUSDT.csv:{line}: ", e.Message, StringComparison.Ordinal);
    }
}
