using Platform.Domain.MarketData;

namespace Platform.Storage.Tests;

/// <summary>The contract every <see cref="IMarketDataStore"/> adapter must meet; one subclass per adapter.</summary>
public abstract class MarketDataStoreContract
{
    protected static readonly DateTimeOffset Start = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    protected abstract IMarketDataStore Store { get; }

    protected static Kline Candle(int hour, decimal close, long? trades = 10) =>
        new(Start.AddHours(hour), close, close + 1.5m, close - 1.25m, close, 12.34567891m, Start.AddHours(hour + 1).AddMilliseconds(-1), 1234.5m, trades, trades is null ? null : 6.1m, trades is null ? null : 600.00000001m);

    protected static KlineSeries Series(string symbol, params Kline[] klines) => new(symbol, KlineInterval.OneHour, klines);

    [Fact]
    public async Task Upsert_NewRows_InsertsAndReadsBackExactly()
    {
        var series = Series("BTCUSDT", Candle(0, 42_000.12345678m), Candle(1, 42_001m), Candle(2, 0.00000001m, trades: null));

        var result = await Store.UpsertAsync(series);
        var read = await Store.ReadAsync("BTCUSDT", KlineInterval.OneHour, Start, Start.AddDays(1));

        Assert.Equal(new UpsertResult(3, 0, 0), result);
        Assert.Equal(series.Klines, read.Klines);
    }

    [Fact]
    public async Task Upsert_SameDataTwice_SecondRunChangesNothing()
    {
        var series = Series("ETHUSDT", Candle(0, 2000m), Candle(1, 2001m));
        await Store.UpsertAsync(series);

        var again = await Store.UpsertAsync(series);

        Assert.Equal(new UpsertResult(0, 0, 2), again);
        Assert.Equal(2, (await Store.ReadAsync("ETHUSDT", KlineInterval.OneHour, Start, Start.AddDays(1))).Count);
    }

    [Fact]
    public async Task Upsert_RestatedCandle_UpdatesOnlyThatRow()
    {
        await Store.UpsertAsync(Series("BTCUSDT", Candle(0, 100m), Candle(1, 101m)));

        var result = await Store.UpsertAsync(Series("BTCUSDT", Candle(1, 101.5m), Candle(2, 102m)));

        Assert.Equal(new UpsertResult(1, 1, 0), result);
        var read = await Store.ReadAsync("BTCUSDT", KlineInterval.OneHour, Start, Start.AddDays(1));
        Assert.Equal([100m, 101.5m, 102m], read.Klines.Select(k => k.Close));
    }

    [Fact]
    public async Task Read_Range_IsFromInclusiveToExclusiveAndPerSymbolAndInterval()
    {
        await Store.UpsertAsync(Series("BTCUSDT", Candle(0, 1m), Candle(1, 2m), Candle(2, 3m), Candle(3, 4m)));
        await Store.UpsertAsync(Series("XRPUSDT", Candle(1, 9m)));

        var read = await Store.ReadAsync("BTCUSDT", KlineInterval.OneHour, Start.AddHours(1), Start.AddHours(3));

        Assert.Equal([2m, 3m], read.Klines.Select(k => k.Close));
        Assert.Empty((await Store.ReadAsync("BTCUSDT", KlineInterval.Parse("4h"), Start, Start.AddDays(1))).Klines);
        Assert.Empty((await Store.ReadAsync("LTCUSDT", KlineInterval.OneHour, Start, Start.AddDays(1))).Klines);
    }

    [Fact]
    public async Task List_AfterUpserts_GivesCountAndCoveragePerSymbol()
    {
        await Store.UpsertAsync(Series("BTCUSDT", Candle(0, 1m), Candle(5, 2m)));
        await Store.UpsertAsync(Series("ETHUSDT", Candle(2, 1m)));

        var list = await Store.ListAsync();

        Assert.Equal(2, list.Count);
        Assert.Equal(new StoredSeriesInfo("BTCUSDT", KlineInterval.OneHour, 2, Start, Start.AddHours(5)), list[0]);
        Assert.Equal("ETHUSDT", list[1].Symbol);
    }
}

public sealed class InMemoryMarketDataStoreTests : MarketDataStoreContract
{
    protected override IMarketDataStore Store { get; } = new InMemoryMarketDataStore();
}

public sealed class DuckDbMarketDataStoreTests : MarketDataStoreContract, IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("platform-duck-").FullName;
    private readonly DuckDbMarketDataStore store;

    public DuckDbMarketDataStoreTests() => store = new DuckDbMarketDataStore(Path.Combine(directory, "market.duckdb"));

    protected override IMarketDataStore Store => store;

    public void Dispose()
    {
        store.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task Reopen_SameFile_DataIsStillThere()
    {
        var path = Path.Combine(directory, "reopen.duckdb");
        using (var first = new DuckDbMarketDataStore(path))
        {
            await first.UpsertAsync(Series("BTCUSDT", Candle(0, 1m), Candle(1, 2m)));
        }

        using var second = new DuckDbMarketDataStore(path);
        Assert.Equal(2, (await second.ReadAsync("BTCUSDT", KlineInterval.OneHour, Start, Start.AddDays(1))).Count);
    }
}
