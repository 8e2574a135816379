using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Platform.Domain;
using Platform.Domain.Backtesting;
using Platform.Domain.Features;
using Platform.Domain.Trading;
using Platform.Learning;
using Platform.Learning.Agents;
using Platform.Learning.Benchmarks;
using Platform.Learning.Networks;
using Platform.MarketData;

namespace Platform.Cli.Commands;

/// <summary>`platform bench ...`: commands that measure speed and print one JSON line.</summary>
internal static class BenchCommands
{
    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks (print JSON lines)");
        bench.Subcommands.Add(Backtest());
        bench.Subcommands.Add(Dqn());
        bench.Subcommands.Add(Stream());
        bench.Subcommands.Add(Decide());
        bench.Subcommands.Add(Execute());
        return bench;
    }

    private static Command Decide()
    {
        var kinds = new Option<string>("--kinds") { Description = "Comma-separated network kinds: linear, lstm", DefaultValueFactory = _ => "linear,lstm" };
        var from = new Option<string>("--from") { Description = "Replay start of the full-speed run (UTC)", DefaultValueFactory = _ => "2022-01-01" };
        var to = new Option<string>("--to") { Description = "Replay end of the full-speed run (UTC, exclusive)", DefaultValueFactory = _ => "2022-07-01" };
        var pacedSpeed = new Option<double>("--paced-speed") { Description = "Simulated hours per second of the paced latency run", DefaultValueFactory = _ => 20 };
        var pacedDays = new Option<int>("--paced-days") { Description = "Days replayed by the paced latency run (from --from)", DefaultValueFactory = _ => 10 };
        var command = new Command("decide", "Simulator → stream → Kafka → feature service → decision service → paper fill: decisions/s at --speed max, and kline-received → decided latency p50/p99 when paced")
        {
            kinds, from, to, pacedSpeed, pacedDays,
        };
        command.SetAction((parse, cancellation) => CliRunner.RunAsync(async () =>
        {
            var start = CommonOptions.ParseTime(parse.GetValue(from), "--from")!.Value;
            var end = CommonOptions.ParseTime(parse.GetValue(to), "--to")!.Value;
            var paced = parse.GetValue(pacedSpeed);
            var days = parse.GetValue(pacedDays);
            if (end <= start || paced <= 0 || days < 1)
            {
                throw new InvalidRequestException("bench decide needs --to after --from, a positive --paced-speed and --paced-days ≥ 1");
            }

            var spec = FeatureSpec.PaperDefault;
            var data = MarketDataLoader.LoadDirectory(MarketDataLoader.BundledDirectory, Platform.Domain.MarketData.KlineInterval.OneHour, [.. spec.Symbols]).Data;
            var market = MarketContext.Build(data, spec, "BTCUSDT");
            var trading = new TradingOptions { Symbol = "BTCUSDT" };
            var warmedUp = false;
            foreach (var kind in parse.GetValue(kinds)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(k => Enum.Parse<QNetworkKind>(k, ignoreCase: true)))
            {
                using var model = DqnModel.Untrained(new TrainingData(market, trading), new DateRange(start.AddMonths(-3), start), DqnAgentOptions.Default(kind, 42), "dqn-" + kind.ToString().ToLowerInvariant());
                var loaded = new Platform.Models.LoadedDqnModel(model, new Platform.Domain.Models.ModelIdentity(model.Metadata.Name, null, null, "bench"));
                if (!warmedUp)
                {
                    // The first run of the process pays for JIT and connection set-up: measure from the second.
                    await PaperRunAsync(loaded, trading, start, end, Platform.Exchange.Simulator.ReplaySpeed.Max, cancellation);
                    warmedUp = true;
                }

                var full = await PaperRunAsync(loaded, trading, start, end, Platform.Exchange.Simulator.ReplaySpeed.Max, cancellation);
                var pacedRun = await PaperRunAsync(loaded, trading, start, start.AddDays(days), new Platform.Exchange.Simulator.ReplaySpeed(paced), cancellation);
                var decided = full.Decisions;
                var span = decided[^1].Decision.DecidedAt - decided[0].Decision.DecidedAt;
                var latencies = pacedRun.DecisionLatencies.Select(l => l.TotalMilliseconds).Order().ToArray();
                Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["model"] = model.Metadata.Name,
                    ["decisions"] = decided.Count,
                    ["decisions_per_s"] = Math.Round((decided.Count - 1) / span.TotalSeconds),
                    ["run_seconds"] = Math.Round(full.Elapsed.TotalSeconds, 2),
                    ["paced_speed_hours_per_s"] = paced,
                    ["paced_decisions"] = latencies.Length,
                    ["latency_ms_p50"] = Math.Round(Percentiles.NearestRank(latencies, 0.50), 3),
                    ["latency_ms_p99"] = Math.Round(Percentiles.NearestRank(latencies, 0.99), 3),
                    ["latency_ms_max"] = Math.Round(latencies[^1], 3),
                }));
            }

            return 0;
        }));
        return command;
    }

    private static Command Execute()
    {
        var orders = new Option<int>("--orders") { Description = "Orders measured (after 20 warm-up orders)", DefaultValueFactory = _ => 500 };
        var store = new Option<string>("--store") { Description = "Trading store: sqlite (embedded) or postgres (PLATFORM_POSTGRES)", DefaultValueFactory = _ => "sqlite" };
        var command = new Command("execute", "Execution service → simulator trading API → trading store: decision → order acknowledged and decision → fill stored, p50/p99") { orders, store };
        command.SetAction((parse, cancellation) => CliRunner.RunAsync(async () =>
        {
            var count = parse.GetValue(orders);
            var kind = parse.GetValue(store)!;
            if (count < 1 || kind is not ("sqlite" or "postgres"))
            {
                throw new InvalidRequestException("bench execute needs --orders ≥ 1 and --store sqlite or postgres");
            }

            return await ExecuteBench.RunAsync(count, kind == "postgres", cancellation);
        }));
        return command;
    }

    private static async Task<Platform.LiveTrading.PaperRunResult> PaperRunAsync(Platform.Domain.Models.ITradingModel model, TradingOptions trading, DateTimeOffset from, DateTimeOffset to, Platform.Exchange.Simulator.ReplaySpeed speed, CancellationToken cancellation)
    {
        await using var simulator = await Platform.Exchange.Simulator.ExchangeSimulator.StartAsync(
            new Platform.Exchange.Simulator.SimulatorOptions { DataDirectory = MarketDataLoader.BundledDirectory, From = from, To = to, Speed = speed, Port = 0 }, cancellation);
        return await PaperCommands.RunOnKafkaAsync(model, trading, new Platform.LiveTrading.PaperRunOptions { Exchange = simulator.BaseAddress }, null, cancellation);
    }

    private static Command Stream()
    {
        var data = CommonOptions.Data();
        var symbols = new Option<string>("--symbols") { Description = "Comma-separated symbols", DefaultValueFactory = _ => string.Join(",", LifecycleDefaults.Symbols) };
        var from = new Option<string>("--from") { Description = "Replay start (UTC)", DefaultValueFactory = _ => "2021-01-01" };
        var to = new Option<string>("--to") { Description = "Replay end (UTC, exclusive)", DefaultValueFactory = _ => "2023-01-01" };
        var store = new Option<string>("--store") { Description = "Market store: duckdb (the platform's) or memory", DefaultValueFactory = _ => "duckdb" };
        var pacedSpeed = new Option<double>("--paced-speed") { Description = "Simulated hours per second of the paced latency run", DefaultValueFactory = _ => 50 };
        var pacedDays = new Option<int>("--paced-days") { Description = "Days replayed by the paced latency run (the last of the range)", DefaultValueFactory = _ => 7 };
        var command = new Command("stream", "Simulator at --speed max → WebSocket → Kafka → market store: klines/s end to end, and received → Kafka-acknowledged latency (full speed and paced)")
        {
            data, symbols, from, to, store, pacedSpeed, pacedDays,
        };
        command.SetAction((parse, cancellationToken) => CliRunner.RunAsync(async () =>
        {
            var start = CommonOptions.ParseTime(parse.GetValue(from), "--from")!.Value;
            var end = CommonOptions.ParseTime(parse.GetValue(to), "--to")!.Value;
            var kind = parse.GetValue(store);
            if (end <= start || kind is not ("duckdb" or "memory") || parse.GetValue(pacedSpeed) <= 0 || parse.GetValue(pacedDays) < 1)
            {
                throw new InvalidRequestException("need --to after --from, --store duckdb|memory, a positive --paced-speed and --paced-days");
            }

            var list = parse.GetValue(symbols)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => s.ToUpperInvariant()).ToList();
            return await StreamBench.RunAsync(parse.GetValue(data) ?? Platform.MarketData.MarketDataLoader.BundledDirectory, list, start, end, kind == "duckdb", parse.GetValue(pacedSpeed), parse.GetValue(pacedDays), cancellationToken);
        }));
        return command;
    }

    private static Command Dqn()
    {
        var model = new Option<string>("--model") { Description = "Q-network: linear or lstm", Required = true };
        var updates = new Option<int>("--updates") { Description = "Timed updates per implementation (after a warm-up)", DefaultValueFactory = _ => 2_000 };
        var rounds = new Option<int>("--rounds") { Description = "Alternating rounds of platform and bare TorchSharp; the best of each is reported", DefaultValueFactory = _ => 2 };
        var command = new Command("dqn", "DQN reference workload (24×20 state, batch 64, replay 10,000, Adam 1e-3, one thread): platform vs bare TorchSharp") { model, updates, rounds };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var kind = ParseModel(parse.GetValue(model)!);
            var count = parse.GetValue(updates);
            var roundCount = parse.GetValue(rounds);
            if (count < 1 || roundCount < 1)
            {
                throw new InvalidRequestException("--updates and --rounds must be at least 1");
            }

            TorchRuntime.UseThreads(1);
            var platform = new List<DqnBenchmarkResult>();
            var bare = new List<DqnBenchmarkResult>();
            for (var round = 0; round < roundCount; round++)
            {
                bare.Add(DqnBenchmark.RunBareTorchSharp(kind, count));
                platform.Add(DqnBenchmark.RunPlatform(kind, count));
            }

            var best = platform.MaxBy(r => r.UpdatesPerSecond)!;
            var bestBare = bare.MaxBy(r => r.UpdatesPerSecond)!;
            Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["model"] = kind == QNetworkKind.Linear ? "linear" : "lstm",
                ["updates_per_s"] = Math.Round(best.UpdatesPerSecond, 1),
                ["infer_us_p50"] = Math.Round(platform.Min(r => r.InferenceMicrosP50), 1),
                ["infer_us_p99"] = Math.Round(platform.Min(r => r.InferenceMicrosP99), 1),
                ["bare_torchsharp"] = new Dictionary<string, double>
                {
                    ["updates_per_s"] = Math.Round(bestBare.UpdatesPerSecond, 1),
                    ["infer_us_p50"] = Math.Round(bare.Min(r => r.InferenceMicrosP50), 1),
                    ["infer_us_p99"] = Math.Round(bare.Min(r => r.InferenceMicrosP99), 1),
                },
                ["platform_vs_bare"] = Math.Round(best.UpdatesPerSecond / bestBare.UpdatesPerSecond, 3),
                ["platform_rss_mb"] = new Dictionary<string, double>
                {
                    ["after_warmup"] = platform[^1].ResidentMegabytesBefore,
                    ["after_timed_updates"] = platform[^1].ResidentMegabytesAfter,
                },
            }));
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// A greedy DQN policy (agent-default network, seeded weights) over the bundled two years with the paper's features.
    /// Each timed run includes the policy's batched network work (every row × position state) and the exact backtest.
    /// </summary>
    private static int DqnBacktest(QNetworkKind kind, int runs, int threads)
    {
        TorchRuntime.UseThreads(threads);
        var spec = FeatureSpec.PaperDefault;
        var data = MarketDataLoader.LoadDirectory(MarketDataLoader.BundledDirectory, Platform.Domain.MarketData.KlineInterval.OneHour, [.. spec.Symbols]).Data;
        var market = MarketContext.Build(data, spec, "BTCUSDT");
        var (frame, features) = (market.Frame, market.Features);
        var options = new TradingOptions { Symbol = "BTCUSDT" };
        var training = new TrainingData(market, options);
        var (from, to) = BacktestCommands.Range(frame, null, null);
        using var model = DqnModel.Untrained(training, new DateRange(from, to), DqnAgentOptions.Default(kind, 42), "dqn-" + kind.ToString().ToLowerInvariant());
        var warmUp = Backtester.Run(frame, features, model.CreatePolicy(model.Metadata.Name), options, from, to);
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < runs; i++)
        {
            Backtester.Run(frame, features, model.CreatePolicy(model.Metadata.Name), options, from, to);
        }

        stopwatch.Stop();
        var bars = (long)warmUp.Metrics.Bars * runs;
        Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["policy"] = model.Metadata.Name,
            ["hidden"] = model.Network.Spec.HiddenSize,
            ["threads"] = threads,
            ["bars"] = bars,
            ["trades_per_run"] = warmUp.Trades.Count,
            ["seconds"] = Math.Round(stopwatch.Elapsed.TotalSeconds, 4),
            ["bars_per_s"] = Math.Round(bars / stopwatch.Elapsed.TotalSeconds),
        }));
        return 0;
    }

    internal static QNetworkKind ParseModel(string text) => text.ToUpperInvariant() switch
    {
        "LINEAR" => QNetworkKind.Linear,
        "LSTM" => QNetworkKind.Lstm,
        _ => throw new InvalidRequestException($"--model: '{text}' is not 'linear' or 'lstm'"),
    };

    private static Command Backtest()
    {
        var policy = new Option<string>("--policy") { Description = $"Policy: {string.Join(", ", BaselinePolicies.Names)}, or a greedy DQN: dqn-linear, dqn-lstm", DefaultValueFactory = _ => "momentum" };
        var repeat = new Option<int>("--repeat") { Description = "Backtests to time after one warm-up run", DefaultValueFactory = _ => 50 };
        var threads = new Option<int?>("--threads") { Description = "Torch threads for the DQN policies' batched network work (default: 1 for dqn-linear, whose small matrix products lose to thread hand-offs; every core for dqn-lstm)" };
        var command = new Command("backtest", "Backtest speed in bars/s over the bundled two years of BTCUSDT (exact decimal accounting, fees on)") { policy, repeat, threads };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var name = parse.GetValue(policy)!;
            var runs = parse.GetValue(repeat);
            if (runs < 1)
            {
                throw new InvalidRequestException("--repeat must be at least 1");
            }

            if (name.StartsWith("dqn-", StringComparison.Ordinal))
            {
                var kind = ParseModel(name["dqn-".Length..]);
                var threadCount = parse.GetValue(threads) ?? (kind == QNetworkKind.Linear ? 1 : Environment.ProcessorCount);
                if (threadCount < 1)
                {
                    throw new InvalidRequestException("--threads must be at least 1");
                }

                return DqnBacktest(kind, runs, threadCount);
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
