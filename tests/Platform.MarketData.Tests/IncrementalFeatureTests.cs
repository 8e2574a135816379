using System.Runtime.InteropServices;
using Platform.Domain.Features;
using Platform.Domain.MarketData;

namespace Platform.MarketData.Tests;

public class IncrementalFeatureTests
{
    [Fact]
    public void LiveFeatures_BundledTwoYearsKlineByKline_BitIdenticalToBatch()
    {
        var spec = FeatureSpec.PaperDefault;
        var data = MarketDataLoader.LoadDirectory(MarketDataLoader.BundledDirectory, KlineInterval.OneHour, [.. spec.Symbols]).Data;
        var batch = MarketContext.Build(data, spec, "BTCUSDT").Features;

        // The order a live feed delivers closed klines in: by open time, the traded symbol's last within each hour.
        var klines = spec.Symbols
            .SelectMany(s => data[s].Klines.Select(k => (Symbol: s, Kline: k)))
            .OrderBy(x => x.Kline.OpenTime)
            .ThenBy(x => x.Symbol == "BTCUSDT" ? 1 : 0)
            .ToList();
        var stream = new LiveFeatures(spec, "BTCUSDT");
        var streamed = new float[batch.Values.Length];
        foreach (var (symbol, kline) in klines)
        {
            var destination = stream.Rows < batch.Rows ? streamed.AsSpan(stream.Rows * spec.FeatureCount, spec.FeatureCount) : [];
            stream.Add(symbol, kline, destination);
        }

        Assert.Equal(batch.Rows, stream.Rows);
        Assert.Equal(batch.FirstCompleteRow, stream.FirstCompleteRow);
        Assert.True(MemoryMarshal.AsBytes(batch.Values.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(streamed.AsSpan())), "streamed features differ from the batch");
    }

    [Fact]
    public void LiveFeatures_DuplicateOrOlderKline_IsIgnored()
    {
        var spec = new FeatureSpec("t", 1, 2, 2, [new SymbolFeatures("BTCUSDT", [FeatureKind.LogReturn])]);
        var stream = new LiveFeatures(spec, "BTCUSDT");
        var start = new DateTimeOffset(2022, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var row = new float[1];

        Assert.True(stream.Add("BTCUSDT", K(start, 100m), row));
        Assert.True(stream.Add("BTCUSDT", K(start.AddHours(1), 110m), row));
        Assert.False(stream.Add("BTCUSDT", K(start.AddHours(1), 120m), row));
        Assert.False(stream.Add("BTCUSDT", K(start, 90m), row));

        Assert.Equal(2, stream.Rows);
        Assert.Equal((float)Math.Log(110d / 100d), row[0]);
    }

    private static Kline K(DateTimeOffset open, decimal close) => new(open, close, close, close, close, 1m, TradeCount: 1, TakerBuyBaseVolume: 0.5m);
}
