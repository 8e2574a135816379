using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Platform.Domain.Backtesting;
using Platform.Domain.Features;
using Platform.Domain.Trading;
using Platform.MarketData;

namespace Platform.Cli.Commands;

/// <summary>`platform bench ...`: commands that measure speed and print one JSON line.</summary>
internal static class BenchCommands
{
    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks (print JSON lines)");
        bench.Subcommands.Add(Backtest());
        return bench;
    }

    private static Command Backtest()
    {
        var policy = new Option<string>("--policy") { Description = $"Rule policy: {string.Join(", ", BaselinePolicies.Names)}", DefaultValueFactory = _ => "momentum" };
        var repeat = new Option<int>("--repeat") { Description = "Backtests to time after one warm-up run", DefaultValueFactory = _ => 50 };
        var command = new Command("backtest", "Backtest speed in bars/s over the bundled two years of BTCUSDT (exact decimal accounting, fees on)") { policy, repeat };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var name = parse.GetValue(policy)!;
            var runs = parse.GetValue(repeat);
            if (runs < 1)
            {
                throw new ArgumentException("--repeat must be at least 1");
            }

            var data = MarketDataLoader.LoadDirectory(MarketDataLoader.BundledDirectory, Platform.Domain.MarketData.KlineInterval.OneHour, ["BTCUSDT"]).Data;
            var frame = MarketFrame.Build(data, "BTCUSDT", ["BTCUSDT"]);
            var options = new TradingOptions { Symbol = "BTCUSDT" };
            var (from, to) = BacktestCommands.Range(frame, null, null);
            var warmUp = Backtester.Run(frame, null, BaselinePolicies.Create(name), options, from, to);
            var stopwatch = Stopwatch.StartNew();
            for (var i = 0; i < runs; i++)
            {
                Backtester.Run(frame, null, BaselinePolicies.Create(name), options, from, to);
            }

            stopwatch.Stop();
            var bars = (long)warmUp.Metrics.Bars * runs;
            Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["policy"] = name,
                ["bars"] = bars,
                ["trades_per_run"] = warmUp.Trades.Count,
                ["seconds"] = Math.Round(stopwatch.Elapsed.TotalSeconds, 4),
                ["bars_per_s"] = Math.Round(bars / stopwatch.Elapsed.TotalSeconds),
            }));
            return 0;
        }));
        return command;
    }
}
