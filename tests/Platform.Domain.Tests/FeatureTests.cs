using Platform.Domain.Features;
using Platform.Domain.MarketData;

namespace Platform.Domain.Tests;

public class FeatureTests
{
    private static readonly FeatureSpec Spec = new(
        "test",
        1,
        WindowLength: 4,
        Lookback: 5,
        [
            new("BTCUSDT", [FeatureKind.LogReturn, FeatureKind.LogVolumeRatio, FeatureKind.LogTradeCountRatio, FeatureKind.TakerBuyImbalance, FeatureKind.LogRange]),
            new("ETHUSDT", [FeatureKind.LogReturn, FeatureKind.LogVolumeRatio]),
        ]);

    private static KlineSeries RandomWalk(string symbol, int hours, int seed, int? skipHour = null)
    {
        var random = new Random(seed);
        var price = 100m;
        var klines = new List<Kline>();
        for (var h = 0; h < hours; h++)
        {
            price *= 1m + (((decimal)random.NextDouble() - 0.5m) / 50m);
            if (h == skipHour)
            {
                continue;
            }

            var volume = 1m + (decimal)random.NextDouble() * 10m;
            klines.Add(TestData.Candle(h, decimal.Round(price, 4), decimal.Round(volume, 4), random.Next(1, 500), decimal.Round(volume * (decimal)random.NextDouble(), 4)) with
            {
                High = decimal.Round(price * 1.01m, 4),
                Low = decimal.Round(price * 0.99m, 4),
            });
        }

        return new KlineSeries(symbol, KlineInterval.OneHour, klines);
    }

    private static KlineSeries PerturbAfter(KlineSeries series, DateTimeOffset t) =>
        new(series.Symbol, series.Interval, [.. series.Klines.Select(k => k.OpenTime > t ? k with { Close = k.Close * 1.5m, High = k.High * 1.5m, Low = k.Low * 1.5m, Open = k.Open * 1.5m, Volume = k.Volume * 7m, TradeCount = k.TradeCount * 3 } : k)]);

    [Theory]
    [InlineData(10)]
    [InlineData(57)]
    [InlineData(150)]
    public void Build_DataChangedAfterT_FeaturesAtOrBeforeTUnchanged(int hour)
    {
        var btc = RandomWalk("BTCUSDT", 200, 1);
        var eth = RandomWalk("ETHUSDT", 200, 2, skipHour: 56);
        var original = FeatureBuilder.Build(Spec, MarketFrame.Build(TestData.DataSet(btc, eth), "BTCUSDT", Spec.Symbols));
        var t = TestData.Start.AddHours(hour);
        var changed = FeatureBuilder.Build(Spec, MarketFrame.Build(TestData.DataSet(PerturbAfter(btc, t), PerturbAfter(eth, t)), "BTCUSDT", Spec.Symbols));

        for (var row = 0; row <= hour; row++)
        {
            Assert.Equal(original.Row(row).ToArray(), changed.Row(row).ToArray());
        }

        // The perturbation is visible right after t, so the test can fail.
        Assert.NotEqual(original.Row(hour + 1).ToArray(), changed.Row(hour + 1).ToArray());
    }

    [Fact]
    public void Build_MissingBarInOtherSymbol_UsesLastKnownValueNotFuture()
    {
        var btc = TestData.Series("BTCUSDT", [100m, 101m, 102m, 103m]);
        var eth = new KlineSeries("ETHUSDT", KlineInterval.OneHour, [TestData.Candle(0, 10m), TestData.Candle(1, 11m), TestData.Candle(3, 20m)]);
        var frame = MarketFrame.Build(TestData.DataSet(btc, eth), "BTCUSDT", ["ETHUSDT"]);

        Assert.Equal([10d, 11d, 11d, 20d], frame["ETHUSDT"].Close);
        Assert.Equal(0d, frame["ETHUSDT"].Volume[2]);
    }

    [Fact]
    public void Build_KnownPrices_ComputesLogReturnsAndImbalance()
    {
        var spec = new FeatureSpec("r", 1, 1, 1, [new("BTCUSDT", [FeatureKind.LogReturn, FeatureKind.TakerBuyImbalance])]);
        var matrix = FeatureBuilder.Build(spec, TestData.Frame(100m, 110m, 99m));

        Assert.Equal(0f, matrix.Row(0)[0]);
        Assert.Equal((float)Math.Log(1.1), matrix.Row(1)[0], 6);
        Assert.Equal((float)Math.Log(99d / 110d), matrix.Row(2)[0], 6);
        Assert.Equal(0f, matrix.Row(1)[1]); // taker buy 5 of volume 10
        Assert.Equal(1, matrix.FirstCompleteRow);
    }

    [Fact]
    public void Window_BeforeWarmUp_Throws_AfterWarmUp_ReturnsWindowOldestFirst()
    {
        var matrix = FeatureBuilder.Build(Spec, MarketFrame.Build(TestData.DataSet(RandomWalk("BTCUSDT", 30, 3), RandomWalk("ETHUSDT", 30, 4)), "BTCUSDT", Spec.Symbols));

        Assert.Equal(4, matrix.FirstCompleteRow);
        Assert.Equal(7, matrix.FirstObservableRow);
        Assert.Throws<ArgumentOutOfRangeException>(() => matrix.Window(6).ToArray());
        var window = matrix.Window(10);
        Assert.Equal(4 * 7, window.Length);
        Assert.Equal(matrix.Row(7).ToArray(), window[..7].ToArray());
        Assert.Equal(matrix.Row(10).ToArray(), window[^7..].ToArray());
    }

    [Fact]
    public void Build_SymbolWithoutTradeCounts_ThrowsNamingSymbolAndField()
    {
        var ltc = new KlineSeries("LTCUSDT", KlineInterval.OneHour, [TestData.Candle(0, 1m, trades: null, takerBuy: null), TestData.Candle(1, 1m, trades: null, takerBuy: null)]);
        var spec = new FeatureSpec("x", 1, 1, 2, [new("LTCUSDT", [FeatureKind.LogTradeCountRatio])]);
        var frame = MarketFrame.Build(TestData.DataSet(ltc), "LTCUSDT", ["LTCUSDT"]);

        var e = Assert.Throws<InvalidRequestException>(() => FeatureBuilder.Build(spec, frame));
        Assert.Contains("LTCUSDT", e.Message, StringComparison.Ordinal);
        Assert.Contains("number of trades", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ContentHash_SameSpec_Stable_ChangedWindow_Differs()
    {
        var copy = FeatureSpec.FromJson(FeatureSpec.PaperDefault.ToJson());

        Assert.Equal(FeatureSpec.PaperDefault.ContentHash, copy.ContentHash);
        Assert.NotEqual(FeatureSpec.PaperDefault.ContentHash, (FeatureSpec.PaperDefault with { WindowLength = 12 }).ContentHash);
        Assert.Equal(18, FeatureSpec.PaperDefault.FeatureCount);
        Assert.Equal("BTCUSDT.log_return", FeatureSpec.PaperDefault.FeatureNames[0]);
    }

    [Fact]
    public void FromJson_Invalid_ThrowsClearErrors()
    {
        Assert.Throws<InvalidRequestException>(() => FeatureSpec.FromJson("{not json"));
        var e = Assert.Throws<InvalidRequestException>(() => FeatureSpec.FromJson("""{"name":"x","version":1,"window_length":0,"lookback":1,"inputs":[{"symbol":"BTCUSDT","features":["LogReturn"]}]}"""));
        Assert.Contains("window_length", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NormalizationFit_UsesOnlyTrainingRows()
    {
        var matrix = FeatureBuilder.Build(Spec, MarketFrame.Build(TestData.DataSet(RandomWalk("BTCUSDT", 100, 5), RandomWalk("ETHUSDT", 100, 6)), "BTCUSDT", Spec.Symbols));
        var stats = NormalizationStats.Fit(matrix, 0, 50);
        var tampered = new FeatureMatrix(matrix.Spec, [.. matrix.Values.Select((v, i) => i >= 50 * matrix.FeatureCount ? v * 100f : v)], matrix.Rows, matrix.FirstCompleteRow);

        Assert.Equal(stats.Mean, NormalizationStats.Fit(tampered, 0, 50).Mean);
        var normalized = stats.Apply(matrix);
        var firstFeature = Enumerable.Range(matrix.FirstCompleteRow, 50 - matrix.FirstCompleteRow).Select(r => (double)normalized.Row(r)[0]).ToList();
        Assert.Equal(0d, firstFeature.Average(), 5);
    }
}
