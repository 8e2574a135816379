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

    [Fact]
    public void AlignedLiveFeatures_BundledTwoYearsShuffledWithinEachHour_BitIdenticalToBatch()
    {
        var spec = FeatureSpec.PaperDefault;
        var data = MarketDataLoader.LoadDirectory(MarketDataLoader.BundledDirectory, KlineInterval.OneHour, [.. spec.Symbols]).Data;
        var batch = MarketContext.Build(data, spec, "BTCUSDT").Features;

        // Within an hour a live feed delivers symbols in any order (the traded one often first) and repeats some.
        var random = new Random(7);
        var klines = spec.Symbols
            .SelectMany(s => data[s].Klines.Select(k => (Symbol: s, Kline: k)))
            .GroupBy(x => x.Kline.OpenTime)
            .OrderBy(g => g.Key)
            .SelectMany(g => g.OrderBy(_ => random.Next()).SelectMany(x => random.Next(50) == 0 ? new[] { x, x } : [x]))
            .ToList();
        var stream = new AlignedLiveFeatures(spec, "BTCUSDT");
        var streamed = new float[batch.Values.Length];
        var rows = 0;
        void Take(IReadOnlyList<LiveFeatureRow> emitted)
        {
            foreach (var row in emitted)
            {
                Assert.Equal(rows, row.Row);
                Assert.Equal(row.Row >= batch.FirstCompleteRow, row.Complete);
                row.Values.CopyTo(streamed.AsSpan(rows++ * spec.FeatureCount));
            }
        }

        foreach (var (symbol, kline) in klines)
        {
            Take(stream.Offer(symbol, kline));
        }

        Take(stream.Flush());
        Assert.Equal(batch.Rows, rows);
        Assert.Equal(0, stream.LateKlines);
        Assert.True(stream.IgnoredKlines > 0);
        Assert.True(MemoryMarshal.AsBytes(batch.Values.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(streamed.AsSpan())), "aligned streamed features differ from the batch");
    }

    [Fact]
    public void AlignedLiveFeatures_OtherSymbolAfterFlush_CountedLateAndNotReemitted()
    {
        var spec = new FeatureSpec("t", 1, 1, 2, [new SymbolFeatures("BTCUSDT", [FeatureKind.LogReturn]), new SymbolFeatures("ETHUSDT", [FeatureKind.LogReturn])]);
        var stream = new AlignedLiveFeatures(spec, "BTCUSDT");
        var start = new DateTimeOffset(2022, 1, 1, 0, 0, 0, TimeSpan.Zero);

        Assert.Empty(stream.Offer("BTCUSDT", K(start, 100m)));
        Assert.Equal(start, stream.Waiting);
        var released = Assert.Single(stream.Flush());
        Assert.Equal(start, released.OpenTime);
        Assert.Null(stream.Waiting);

        Assert.Empty(stream.Offer("ETHUSDT", K(start, 10m)));
        Assert.Equal(1, stream.LateKlines);

        // The next hour waits for ETH, and a kline ETH moved past with releases it too.
        Assert.Empty(stream.Offer("BTCUSDT", K(start.AddHours(1), 110m)));
        var next = Assert.Single(stream.Offer("ETHUSDT", K(start.AddHours(2), 12m)));
        Assert.Equal(start.AddHours(1), next.OpenTime);
        Assert.Equal(2, stream.Rows);
        Assert.Empty(stream.Offer("BTCUSDT", K(start.AddHours(1), 110m)));
        Assert.Equal(1, stream.IgnoredKlines);
    }

    private static Kline K(DateTimeOffset open, decimal close) => new(open, close, close, close, close, 1m, TradeCount: 1, TakerBuyBaseVolume: 0.5m);
}
