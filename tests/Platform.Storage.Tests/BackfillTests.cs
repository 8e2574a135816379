using Platform.Domain;
using Platform.Domain.MarketData;
using Platform.MarketData;

namespace Platform.Storage.Tests;

public class BackfillTests
{
    private static readonly DateTimeOffset Jan2021 = new(2021, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Plan_RangeAcrossMonths_OneChunkPerSymbolAndMonthPartialEdges()
    {
        var chunks = MarketDataBackfill.Plan(["BTCUSDT", "ETHUSDT"], "1h", Jan2021.AddDays(10), Jan2021.AddMonths(2).AddDays(3));

        Assert.Equal(6, chunks.Count);
        Assert.Equal(new BackfillChunk("BTCUSDT", "1h", Jan2021.AddDays(10), Jan2021.AddMonths(1)), chunks[0]);
        Assert.Equal(new BackfillChunk("BTCUSDT", "1h", Jan2021.AddMonths(2), Jan2021.AddMonths(2).AddDays(3)), chunks[2]);
        Assert.Throws<InvalidRequestException>(() => MarketDataBackfill.Plan(["BTCUSDT"], "1h", Jan2021, Jan2021));
    }

    [Fact]
    public async Task Run_BundledMonthTwice_InsertsThenChangesNothing()
    {
        var backfill = new MarketDataBackfill(new DirectoryKlineSource(MarketDataLoader.BundledDirectory), new InMemoryMarketDataStore());
        var april = new BackfillChunk("BTCUSDT", "1h", Jan2021.AddMonths(3), Jan2021.AddMonths(4));

        var first = await backfill.RunAsync(april);
        var second = await backfill.RunAsync(april);

        Assert.Equal((30 * 24) - 5, first.Inserted); // 2021-04-20 02:00-03:00 and 2021-04-25 05:00-07:00 are missing
        Assert.Equal(5, first.MissingBars);
        Assert.Equal(0, first.Rejected);
        Assert.Equal(0, second.Inserted);
        Assert.Equal(0, second.Updated);
        Assert.Equal(first.Inserted, second.Unchanged);
    }
}
