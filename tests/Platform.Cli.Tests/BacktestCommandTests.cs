using System.Globalization;
using System.IO.Compression;
using Platform.Domain;
using Platform.Domain.Backtesting;
using Platform.Domain.Features;
using Platform.Domain.MarketData;
using Platform.Domain.Trading;
using Platform.Learning.Agents;
using Platform.Learning.Networks;
using Platform.MarketData;

namespace Platform.Cli.Tests;

public sealed class BacktestCommandTests : IDisposable
{
    private readonly CliTestContext context = new();

    public void Dispose() => context.Dispose();

    [Fact]
    public async Task Backtest_BundledData2022_WritesEveryReportFile()
    {
        var output = context.PathOf("bt");
        var exit = await CliTestContext.RunAsync("backtest", "--policy", "momentum", "--symbol", "BTCUSDT", "--from", "2022-01-01", "--to", "2023-01-01", "--fee", "0.001", "--out", output);

        Assert.Equal(0, exit);
        foreach (var file in new[] { "metrics.json", "trades.csv", "equity.csv", "price.png", "profit.png", "capital.png", "summary.md" })
        {
            Assert.True(new FileInfo(Path.Combine(output, file)).Length > 100, $"{file} is missing or empty");
        }

        var metrics = context.ReadJson("bt", "metrics.json");
        Assert.Equal("momentum", metrics.GetProperty("policy").GetString());
        Assert.Equal(8760, metrics.GetProperty("bars").GetInt32());
        foreach (var field in new[] { "symbol", "from", "to", "final_profit", "buy_orders", "sell_orders", "return_pct", "sharpe", "sortino", "max_drawdown_pct", "win_rate", "fees_paid" })
        {
            Assert.True(metrics.TryGetProperty(field, out _), $"metrics.json lacks {field}");
        }

        var trades = File.ReadAllLines(Path.Combine(output, "trades.csv"));
        Assert.Equal(metrics.GetProperty("buy_orders").GetInt32() + metrics.GetProperty("sell_orders").GetInt32() + 1, trades.Length);
        Assert.Equal(8761, File.ReadAllLines(Path.Combine(output, "equity.csv")).Length);
    }

    [Fact]
    public async Task Backtest_PolicyModelFromCheckpointFile_TradesLikeTheBacktesterWithTheModelsOptions()
    {
        var spec = FeatureSpec.PaperDefault;
        var data = MarketDataLoader.LoadDirectory(MarketDataLoader.BundledDirectory, KlineInterval.OneHour, [.. spec.Symbols]).Data;
        var market = MarketContext.Build(data, spec, "BTCUSDT");
        var trading = new TradingOptions { Symbol = "BTCUSDT", FeeRate = 0.001m, MaxLots = 2 };
        var (from, to) = (new DateTimeOffset(2022, 11, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2022, 12, 1, 0, 0, 0, TimeSpan.Zero));
        using var model = DqnModel.Untrained(new TrainingData(market, trading), new DateRange(from.AddMonths(-3), from), DqnAgentOptions.Default(QNetworkKind.Linear, 5), "dqn-linear");
        var path = context.PathOf("model.dqn");
        model.Save(path);
        var expected = Backtester.Run(market.Frame, market.Features, model.CreatePolicy("x"), trading with { FeeRate = 0.002m }, from, to);

        var exit = await CliTestContext.RunAsync("backtest", "--policy", "model", "--model", path, "--from", "2022-11-01", "--to", "2022-12-01", "--fee", "0.002", "--out", context.PathOf("model-bt"));
        var missing = await CliTestContext.RunAsync("backtest", "--policy", "model", "--out", context.PathOf("none"));
        var wrongLots = await CliTestContext.RunAsync("backtest", "--policy", "model", "--model", path, "--max-lots", "1", "--out", context.PathOf("none"));

        Assert.Equal(0, exit);
        var metrics = context.ReadJson("model-bt", "metrics.json");
        Assert.Equal("dqn-linear", metrics.GetProperty("policy").GetString());
        Assert.Equal(expected.Metrics.FinalProfit, metrics.GetProperty("final_profit").GetDecimal());
        Assert.Equal(expected.Trades.Count + 1, File.ReadAllLines(Path.Combine(context.PathOf("model-bt"), "trades.csv")).Length);
        Assert.Equal(2, missing);
        Assert.Equal(2, wrongLots);
    }

    [Fact]
    public async Task Backtest_DataOutsideBundledYears_Works()
    {
        // Two months of 2024 as data.binance.vision archives (µs timestamps, as served since 2025).
        var data = context.PathOf("data2024");
        Directory.CreateDirectory(data);
        var start = new DateTimeOffset(2024, 3, 1, 0, 0, 0, TimeSpan.Zero);
        for (var month = 0; month < 2; month++)
        {
            var first = start.AddMonths(month);
            var name = $"BTCUSDT-1h-{first:yyyy-MM}.zip";
            using var zip = ZipFile.Open(Path.Combine(data, name), ZipArchiveMode.Create);
            using var writer = new StreamWriter(zip.CreateEntry(Path.ChangeExtension(name, ".csv")).Open());
            for (var t = first; t < first.AddMonths(1); t = t.AddHours(1))
            {
                var price = 60_000m + (decimal)(Math.Sin((t - start).TotalHours / 10d) * 1000d);
                var us = t.ToUnixTimeMilliseconds() * 1000;
                writer.Write(string.Create(CultureInfo.InvariantCulture, $"{us},{price:F2},{price + 50:F2},{price - 50:F2},{price:F2},12.5,{us + 3_599_999_999},750000,900,6,360000,0\n"));
            }
        }

        var output = context.PathOf("bt2024");
        var exit = await CliTestContext.RunAsync("backtest", "--policy", "buy-and-hold", "--data", data, "--from", "2024-03-15", "--to", "2024-04-15", "--out", output);

        Assert.Equal(0, exit);
        var metrics = context.ReadJson("bt2024", "metrics.json");
        Assert.Equal(31 * 24, metrics.GetProperty("bars").GetInt32());
        Assert.Equal(1, metrics.GetProperty("buy_orders").GetInt32());
    }

    [Theory]
    [InlineData("--policy", "magic")]
    [InlineData("--policy", "momentum", "--from", "2022-13-01")]
    [InlineData("--policy", "momentum", "--fee", "0.5")]
    [InlineData("--policy", "momentum", "--from", "2030-01-01", "--to", "2031-01-01")]
    [InlineData("--policy", "momentum", "--data", "/nonexistent/platform-data")]
    [InlineData("--policy", "momentum", "--sizing", "everything")]
    public async Task Backtest_BadInput_ExitsWithUserErrorAndWritesNothing(params string[] args)
    {
        var output = context.PathOf("bad");
        var exit = await CliTestContext.RunAsync(["backtest", .. args, "--out", output]);

        Assert.Equal(2, exit);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public async Task Backtest_MissingRequiredPolicy_FailsParsing()
    {
        Assert.NotEqual(0, await CliTestContext.RunAsync("backtest", "--out", context.PathOf("x")));
    }
}
