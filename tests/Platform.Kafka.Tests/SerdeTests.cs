using System.Text;
using Platform.Domain.Execution;
using Platform.Domain.Features;
using Platform.Domain.MarketData;
using Platform.Domain.Trading;

namespace Platform.Kafka.Tests;

public sealed class SerdeTests
{
    [Fact]
    public void StreamedKlineSerde_RoundTrip_PreservesEveryFieldExactly()
    {
        var kline = KafkaClusterFixture.Kline("BTCUSDT", 5, closed: false, close: 42_123.45678901m);

        var back = StreamedKlineSerde.Instance.Deserialize(StreamedKlineSerde.Instance.Serialize(kline));

        Assert.Equal(kline, back);
    }

    [Fact]
    public void StreamedKlineSerde_OnlyOhlcv_RoundTripsWithNulls()
    {
        var open = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var kline = new StreamedKline("LTCUSDT", KlineInterval.OneHour, new Kline(open, 1m, 2m, 0.5m, 1.5m, 10m), true, "file", open);

        var back = StreamedKlineSerde.Instance.Deserialize(StreamedKlineSerde.Instance.Serialize(kline));

        Assert.Equal(kline, back);
    }

    [Fact]
    public void StreamedKlineSerde_Value_CarriesSchemaVersionAndBinanceFields()
    {
        var json = Encoding.UTF8.GetString(StreamedKlineSerde.Instance.Serialize(KafkaClusterFixture.Kline("ETHUSDT", 0)));

        Assert.StartsWith("{\"schema\":\"platform.market.kline\",\"version\":1,", json, StringComparison.Ordinal);
        foreach (var field in new[] { "open_time", "open", "high", "low", "close", "volume", "close_time", "quote_volume", "trades", "taker_buy_base_volume", "taker_buy_quote_volume", "ignore", "source", "received_at", "closed" })
        {
            Assert.Contains($"\"{field}\":", json, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("{\"schema\":\"other\",\"version\":1}", "expected schema 'platform.market.kline'")]
    [InlineData("{\"schema\":\"platform.market.kline\",\"version\":2}", "version 2 is not supported")]
    [InlineData("{\"schema\":\"platform.market.kline\",\"version\":1,\"symbol\":\"BTCUSDT\"}", "field 'open_time' is missing")]
    [InlineData("{\"schema\":\"platform.market.kline\",\"version\":1,\"open_time\":0,\"open\":\"abc\"}", "'abc' is not a decimal number")]
    public void StreamedKlineSerde_BadValue_FailsWithTheReason(string value, string reason)
    {
        var error = Assert.Throws<KafkaMessageFormatException>(() => StreamedKlineSerde.Instance.Deserialize(Encoding.UTF8.GetBytes(value)));

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KlineDeadLetterSerde_RoundTrip_KeepsRawPayloadAndReason()
    {
        var letter = new KlineDeadLetter("wss://stream", "high below low", "{\"e\":\"kline\",\"k\":{\"h\":\"1\"}}\u0001", DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123), "BTCUSDT");

        Assert.Equal(letter, KlineDeadLetterSerde.Instance.Deserialize(KlineDeadLetterSerde.Instance.Serialize(letter)));
    }

    [Fact]
    public void PlatformTopics_Registry_NamesTheMarketTopics()
    {
        Assert.Equal("market.klines.1h", PlatformTopics.KlinesOneHour.Name);
        Assert.Equal("market.klines.4h", PlatformTopics.Klines(KlineInterval.Parse("4h")).Name);
        Assert.Equal(["market.klines.1h", "market.klines.dlq", "decisions"], PlatformTopics.All.Select(t => t.Name));
    }

    [Fact]
    public void TradingDecisionSerde_RoundTrip_KeepsQValuesBitForBitAndExactPosition()
    {
        var decision = new TradingDecision("d-1", "btcusdt-dqn", "3", "run9", "abc123", "BTCUSDT", DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000),
            [0.1 + 0.2, -1.0 / 3.0, double.Epsilon], TradeAction.Sell, 0.00012345678m, DateTimeOffset.FromUnixTimeMilliseconds(1_700_003_600_001));

        var back = TradingDecisionSerde.Instance.Deserialize(TradingDecisionSerde.Instance.Serialize(decision));

        Assert.Equal(decision with { QValues = back.QValues }, back);
        Assert.Equal(decision.QValues, back.QValues);
    }

    [Fact]
    public void TradingDecisionSerde_VersionOneValue_ReadsWithoutBarClose()
    {
        const string v1 = "{\"schema\":\"platform.trading.decision\",\"version\":1,\"decision_id\":\"d\",\"model_name\":\"m\",\"model_version\":\"1\",\"run_id\":\"r\","
            + "\"spec_hash\":\"h\",\"symbol\":\"BTCUSDT\",\"open_time\":0,\"q_values\":[1.5,-2],\"action\":\"buy\",\"position_before\":\"0\",\"decided_at\":5}";

        var back = TradingDecisionSerde.Instance.Deserialize(Encoding.UTF8.GetBytes(v1));

        Assert.Equal(TradeAction.Buy, back.Action);
        Assert.Equal([1.5, -2.0], back.QValues);
        Assert.Null(back.BarClose);
    }

    [Fact]
    public void TradingDecisionSerde_NonFiniteQValuesAndBarClose_RoundTrip()
    {
        var decision = new TradingDecision("d-2", "m", "1", "r", "h", "BTCUSDT", DateTimeOffset.UnixEpoch, [double.NaN, double.PositiveInfinity, double.NegativeInfinity],
            TradeAction.Hold, 0m, DateTimeOffset.UnixEpoch) { BarClose = 16_500.12345678m };

        var back = TradingDecisionSerde.Instance.Deserialize(TradingDecisionSerde.Instance.Serialize(decision));

        Assert.Equal(decision.QValues, back.QValues);
        Assert.Equal(16_500.12345678m, back.BarClose);
    }

    [Fact]
    public void StreamedFeatureRowSerde_RoundTrip_KeepsFloatsBitForBitAndLineage()
    {
        var kline = KafkaClusterFixture.Kline("BTCUSDT", 3).Kline;
        float[] values = [0.1f, -1f / 3f, float.Epsilon, float.MaxValue, float.NaN, 1.17549435E-38f];
        var row = new StreamedFeatureRow("BTCUSDT", kline.OpenTime, "paper-four", 2, "abc", values, true, kline, ["BTCUSDT@10800000", "ETHUSDT@10800000"],
            DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");

        var back = StreamedFeatureRowSerde.Instance.Deserialize(StreamedFeatureRowSerde.Instance.Serialize(row));

        Assert.Equal(values.Select(BitConverter.SingleToInt32Bits), back.Values.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(row with { Values = back.Values, KlineIds = back.KlineIds }, back);
        Assert.Equal(row.KlineIds, back.KlineIds);
        Assert.Equal("features.paper-four.v2", PlatformTopics.Features(FeatureSpec.PaperDefault with { Name = "paper four", Version = 2 }).Name);
    }

    [Theory]
    [InlineData("{\"schema\":\"platform.trading.decision\",\"version\":1,\"action\":\"short\"}", "short")]
    [InlineData("{\"schema\":\"platform.trading.decision\",\"version\":1,\"action\":\"1\"}", "'1'")]
    public void TradingDecisionSerde_UnknownAction_FailsWithTheValue(string value, string reason)
    {
        var error = Assert.Throws<KafkaMessageFormatException>(() => TradingDecisionSerde.Instance.Deserialize(Encoding.UTF8.GetBytes(value)));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }
}
