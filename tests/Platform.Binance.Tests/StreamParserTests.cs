using System.Text.Json;
using Platform.Domain.MarketData;

namespace Platform.Binance.Tests;

/// <summary>Payload shapes as Binance documents them (web-socket-streams.md, rest-api.md).</summary>
public sealed class StreamParserTests
{
    private const string DocumentedKlineEvent = """
        {
          "e": "kline",
          "E": 1672515782136,
          "s": "BNBBTC",
          "k": {
            "t": 1672515780000,
            "T": 1672515839999,
            "s": "BNBBTC",
            "i": "1m",
            "f": 100,
            "L": 200,
            "o": "0.0010",
            "c": "0.0020",
            "h": "0.0025",
            "l": "0.0015",
            "v": "1000",
            "n": 100,
            "x": false,
            "q": "1.0000",
            "V": "500",
            "Q": "0.500",
            "B": "123456"
          }
        }
        """;

    [Fact]
    public void Parse_DocumentedRawKlineEvent_ReadsEveryField()
    {
        var parsed = Assert.IsType<KlineStreamEvent>(BinanceStreamParser.Parse(DocumentedKlineEvent));

        Assert.Equal("BNBBTC", parsed.Symbol);
        Assert.Equal("bnbbtc@kline_1m", parsed.Stream);
        Assert.Equal(TimeSpan.FromMinutes(1), parsed.Interval.Length);
        Assert.False(parsed.IsClosed);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1672515782136), parsed.EventTime);
        var k = parsed.Kline;
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1672515780000), k.OpenTime);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1672515839999), k.CloseTime);
        Assert.Equal((0.0010m, 0.0025m, 0.0015m, 0.0020m), (k.Open, k.High, k.Low, k.Close));
        Assert.Equal((1000m, 1.0000m, 100L, 500m, 0.500m), (k.Volume, k.QuoteVolume!.Value, k.TradeCount!.Value, k.TakerBuyBaseVolume!.Value, k.TakerBuyQuoteVolume!.Value));
    }

    [Fact]
    public void Parse_CombinedStreamEnvelopeClosedKline_UsesTheStreamName()
    {
        var combined = "{\"stream\":\"bnbbtc@kline_1m\",\"data\":" + DocumentedKlineEvent.Replace("\"x\": false", "\"x\": true", StringComparison.Ordinal) + "}";

        var parsed = Assert.IsType<KlineStreamEvent>(BinanceStreamParser.Parse(combined));

        Assert.True(parsed.IsClosed);
        Assert.Equal("bnbbtc@kline_1m", parsed.Stream);
    }

    [Fact]
    public void Parse_MicrosecondTimestamps_GiveTheSameInstants()
    {
        var micro = DocumentedKlineEvent
            .Replace("1672515782136", "1672515782136123", StringComparison.Ordinal)
            .Replace("1672515780000", "1672515780000000", StringComparison.Ordinal)
            .Replace("1672515839999", "1672515839999999", StringComparison.Ordinal);

        var parsed = Assert.IsType<KlineStreamEvent>(BinanceStreamParser.Parse(micro));

        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1672515780000), parsed.Kline.OpenTime);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1672515839999).AddTicks(9990), parsed.Kline.CloseTime);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1672515782136).AddTicks(1230), parsed.EventTime);
    }

    [Fact]
    public void Parse_ServerShutdownAndControlResponse_AreRecognised()
    {
        var shutdown = Assert.IsType<ServerShutdownEvent>(BinanceStreamParser.Parse("""{"e":"serverShutdown","E":1746000000000}"""));
        var control = Assert.IsType<ControlResponseEvent>(BinanceStreamParser.Parse("""{"result":null,"id":312}"""));

        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1746000000000), shutdown.EventTime);
        Assert.Equal(312, control.Id);
    }

    [Theory]
    [InlineData("{\"e\":\"kline\",\"E\":1672515782136,\"s\":\"BNBB", "not JSON")]
    [InlineData("[1,2,3]", "expected a JSON object")]
    [InlineData("{\"e\":\"trade\",\"E\":1672515782136}", "unexpected event type 'trade'")]
    [InlineData("{\"e\":\"kline\",\"E\":1672515782136,\"s\":\"BNBBTC\"}", "field 'k' is missing")]
    public void Parse_MalformedMessage_ThrowsWithTheReason(string message, string reason)
    {
        var e = Assert.Throws<FormatException>(() => BinanceStreamParser.Parse(message));

        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"o\": \"0.0010\"", "\"o\": \"abc\"", "o (open) 'abc' is not a decimal number")]
    [InlineData("\"x\": false", "\"x\": \"no\"", "x (closed) must be true or false")]
    [InlineData("\"t\": 1672515780000", "\"t\": 42", "neither a millisecond nor a microsecond")]
    [InlineData("\"i\": \"1m\"", "\"i\": \"7q\"", "i (interval)")]
    [InlineData("\"n\": 100", "\"n\": \"100\"", "n (number of trades) must be an integer")]
    public void Parse_BadKlineField_NamesTheField(string field, string replacement, string reason)
    {
        var e = Assert.Throws<FormatException>(() => BinanceStreamParser.Parse(DocumentedKlineEvent.Replace(field, replacement, StringComparison.Ordinal)));

        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_StreamNameOfAnotherSymbol_IsRejected()
    {
        var e = Assert.Throws<FormatException>(() => BinanceStreamParser.Parse("{\"stream\":\"ethusdt@kline_1m\",\"data\":" + DocumentedKlineEvent + "}"));

        Assert.Contains("does not carry BNBBTC 1m klines", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseRestRow_DocumentedKlinesRow_ReadsAllTwelveColumns()
    {
        using var document = JsonDocument.Parse("""
            [1499040000000, "0.01634790", "0.80000000", "0.01575800", "0.01577100", "148976.11427815", 1499644799999,
             "2434.19055334", 308, "1756.87402397", "28.46694368", "0"]
            """);

        var k = BinanceKlineJson.ParseRestRow(document.RootElement);

        Assert.Equal(new Kline(
            DateTimeOffset.FromUnixTimeMilliseconds(1499040000000), 0.01634790m, 0.80000000m, 0.01575800m, 0.01577100m, 148976.11427815m,
            DateTimeOffset.FromUnixTimeMilliseconds(1499644799999), 2434.19055334m, 308, 1756.87402397m, 28.46694368m), k);
        Assert.Equal("0.01634790", k.Open.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData(1735689600000L, "2025-01-01T00:00:00.0000000+00:00")]
    [InlineData(1735689600000000L, "2025-01-01T00:00:00.0000000+00:00")]
    [InlineData(1735693199999999L, "2025-01-01T00:59:59.9999990+00:00")]
    public void FromUnix_MillisecondsOrMicroseconds_DecidedPerValue(long value, string expected)
    {
        Assert.Equal(expected, BinanceTime.FromUnix(value)!.Value.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void FromUnix_NeitherUnit_IsNull()
    {
        Assert.Null(BinanceTime.FromUnix(1_735_689_600));
    }
}
