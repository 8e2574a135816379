using Platform.Binance.Trading;
using Platform.Domain;
using Platform.Domain.Backtesting;
using Platform.Domain.Features;
using Platform.Domain.MarketData;
using Platform.Domain.Trading;
using Platform.Exchange.Simulator;
using Platform.Exchange.Simulator.Trading;
using Platform.Learning.Agents;
using Platform.Learning.Networks;
using Platform.MarketData;

namespace Platform.Cli.Tests;

public sealed class PaperCommandTests : IDisposable
{
    private static readonly DateTimeOffset MonthStart = new(2022, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly CliTestContext context = new();

    public void Dispose() => context.Dispose();

    /// <summary>
    /// The parity the live path promises: a month replayed by the simulator (at max speed, in-process) and paper-traded
    /// through stream → features → decisions → paper fills books exactly the trades and equity of the backtest of that month.
    /// </summary>
    [Theory]
    [InlineData(QNetworkKind.Linear)]
    [InlineData(QNetworkKind.Lstm)]
    public async Task Paper_MonthReplayedBySimulator_TradesExactlyAsTheBacktest(QNetworkKind kind)
    {
        var path = SaveModelThatTrades(kind);
        var paperOut = context.PathOf("paper");
        var backtestOut = context.PathOf("backtest");

        var (paper, _, paperErrors) = await CliTestContext.RunCapturedAsync("paper", "--model", path, "--symbol", "BTCUSDT", "--from", "2022-11-01", "--to", "2022-12-01", "--fee", "0.001", "--data-dir", context.PathOf("state"), "--out", paperOut);
        var backtest = await CliTestContext.RunAsync("backtest", "--policy", "model", "--model", path, "--symbol", "BTCUSDT", "--from", "2022-11-01", "--to", "2022-12-01", "--fee", "0.001", "--out", backtestOut);

        Assert.True(paper == 0, paperErrors);
        Assert.Equal(0, backtest);
        var paperTrades = File.ReadAllLines(Path.Combine(paperOut, "trades.csv"));
        Assert.True(paperTrades.Length > 3, $"the model should trade in the month (it made {paperTrades.Length - 1} trades)");
        Assert.Equal(File.ReadAllLines(Path.Combine(backtestOut, "trades.csv")), paperTrades);
        Assert.Equal(File.ReadAllLines(Path.Combine(backtestOut, "equity.csv")), File.ReadAllLines(Path.Combine(paperOut, "equity.csv")));
        Assert.Equal(context.ReadJson("backtest", "metrics.json").GetProperty("final_profit").GetDecimal(), context.ReadJson("paper", "metrics.json").GetProperty("final_profit").GetDecimal());

        var decisions = File.ReadAllLines(Path.Combine(paperOut, "decisions.csv"));
        Assert.Equal(30 * 24, decisions.Length - 1);
        Assert.StartsWith("2022-11-01T00:00:00Z,", decisions[1], StringComparison.Ordinal);
        Assert.StartsWith("2022-11-30T23:00:00Z,", decisions[^1], StringComparison.Ordinal);
        Assert.DoesNotContain(decisions.Skip(1), line => line.Split(',')[2].Length == 0);
    }

    [Fact]
    public async Task Paper_StreamThatDropsDuplicatesReordersAndCorrupts_StillTradesExactlyAsTheBacktest()
    {
        var path = SaveModelThatTrades(QNetworkKind.Linear);
        await using var simulator = await ExchangeSimulator.StartAsync(new SimulatorOptions
        {
            DataDirectory = MarketDataLoader.BundledDirectory,
            From = MonthStart,
            To = MonthStart.AddMonths(1),
            Speed = ReplaySpeed.Max,
            Port = 0,
            Faults = FaultSpec.Parse("drop=2000,duplicate=300,outoforder=500,malformed=900"),
            Trading = new SimulatorTradingOptions { ApiKey = "paper-test-key", ApiSecret = "paper-test-secret" },
        });
        var secrets = context.PathOf("binance.env");
        File.WriteAllText(secrets, "BINANCE_API_KEY=paper-test-key\nBINANCE_API_SECRET=paper-test-secret\n");

        int paper;
        string errors;
        Environment.SetEnvironmentVariable(BinanceCredentials.SecretsFileVariable, secrets);
        try
        {
            (paper, _, errors) = await CliTestContext.RunCapturedAsync("paper", "--model", path, "--exchange", simulator.BaseAddress.ToString(), "--data-dir", context.PathOf("state"), "--out", context.PathOf("paper"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(BinanceCredentials.SecretsFileVariable, null);
        }

        var backtest = await CliTestContext.RunAsync("backtest", "--policy", "model", "--model", path, "--from", "2022-11-01", "--to", "2022-12-01", "--out", context.PathOf("backtest"));

        Assert.True(paper == 0, errors);
        Assert.Equal(0, backtest);
        var status = simulator.Status;
        Assert.True(status.Dropped > 0 && status.Duplicated > 0 && status.Malformed > 0, $"faults were injected: {status}");
        Assert.Equal(File.ReadAllLines(context.PathOf("backtest", "trades.csv")), File.ReadAllLines(context.PathOf("paper", "trades.csv")));
        Assert.Equal(File.ReadAllLines(context.PathOf("backtest", "equity.csv")), File.ReadAllLines(context.PathOf("paper", "equity.csv")));
    }

    [Fact]
    public async Task Paper_BadInputs_ExitTwoWithoutRunning()
    {
        var path = SaveModelThatTrades(QNetworkKind.Linear);

        Assert.Equal(2, await CliTestContext.RunAsync("paper", "--model", context.PathOf("missing.dqn"), "--out", context.PathOf("p1")));
        Assert.Equal(2, await CliTestContext.RunAsync("paper", "--model", path, "--exchange", "not a url", "--out", context.PathOf("p2")));
        Assert.Equal(2, await CliTestContext.RunAsync("paper", "--model", path, "--exchange", "http://127.0.0.1:1/", "--from", "2022-11-01", "--out", context.PathOf("p3")));
        Assert.Equal(2, await CliTestContext.RunAsync("paper", "--model", path, "--row-grace", "0", "--out", context.PathOf("p4")));
        Assert.Equal(2, await CliTestContext.RunAsync("paper", "--model", path, "--from", "2022-11-02", "--to", "2022-11-03", "--until", "2022-11-01", "--out", context.PathOf("p5")));
    }

    /// <summary>An untrained model of the kind (fitted normalisation, seeded weights) that trades a few times in November 2022.</summary>
    private string SaveModelThatTrades(QNetworkKind kind)
    {
        var spec = FeatureSpec.PaperDefault;
        var data = MarketDataLoader.LoadDirectory(MarketDataLoader.BundledDirectory, KlineInterval.OneHour, [.. spec.Symbols]).Data;
        var market = MarketContext.Build(data, spec, "BTCUSDT");
        var trading = new TradingOptions { Symbol = "BTCUSDT", FeeRate = 0.001m };
        for (var seed = 1; seed < 40; seed++)
        {
            using var model = DqnModel.Untrained(new TrainingData(market, trading), new DateRange(MonthStart.AddMonths(-3), MonthStart), DqnAgentOptions.Default(kind, seed), "dqn-" + kind.ToString().ToLowerInvariant());
            var result = Backtester.Run(market.Frame, market.Features, model.CreatePolicy("probe"), trading, MonthStart, MonthStart.AddMonths(1));
            if (result.Trades.Count >= 4)
            {
                var path = context.PathOf($"model-{kind}.dqn");
                model.Save(path);
                return path;
            }
        }

        throw new InvalidOperationException($"No seed gave an untrained {kind} model that trades in the month.");
    }
}
