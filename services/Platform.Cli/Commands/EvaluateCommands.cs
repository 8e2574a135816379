using Platform.Domain;
using System.CommandLine;
using System.Globalization;
using Platform.Activities;
using Platform.Domain.Evaluation;
using Platform.Learning;
using Platform.Learning.Evaluation;
using Platform.Mlflow;
using Spectre.Console;

namespace Platform.Cli.Commands;

/// <summary>`platform evaluate walk-forward`: rolling train / validate / test folds with an embargo, agents against the baselines at several fee levels.</summary>
internal static class EvaluateCommands
{
    public static Command Create()
    {
        var evaluate = new Command("evaluate", "Out-of-sample evaluation");
        evaluate.Subcommands.Add(WalkForwardCommand());
        return evaluate;
    }

    /// <summary>The walk-forward plan's options, shared with `platform sweep`.</summary>
    internal sealed class PlanOptionSet
    {
        public Option<string> From { get; } = new("--from") { Description = "Start of the first fold (UTC, inclusive)", DefaultValueFactory = _ => "2021-01-01" };

        public Option<string> To { get; } = new("--to") { Description = "End of the last test part (UTC, exclusive)", DefaultValueFactory = _ => "2023-01-01" };

        public Option<int> TrainMonths { get; } = new("--train-months") { Description = "Training part of each fold", DefaultValueFactory = _ => 6 };

        public Option<int> ValidateMonths { get; } = new("--validate-months") { Description = "Validation part (model selection only)", DefaultValueFactory = _ => 2 };

        public Option<int> TestMonths { get; } = new("--test-months") { Description = "Test part (reported, never seen by training or selection)", DefaultValueFactory = _ => 2 };

        public Option<int?> StepMonths { get; } = new("--step-months") { Description = "How far each fold moves on (default: the test length, so test parts tile the range)" };

        public Option<int> EmbargoHours { get; } = new("--embargo-hours") { Description = "Hours dropped between train and validation and between validation and test", DefaultValueFactory = _ => 24 };

        public void AddTo(Command command)
        {
            foreach (var option in new Option[] { From, To, TrainMonths, ValidateMonths, TestMonths, StepMonths, EmbargoHours })
            {
                command.Options.Add(option);
            }
        }

        public WalkForwardPlan Read(ParseResult parse)
        {
            var plan = new WalkForwardPlan
            {
                From = CommonOptions.ParseTime(parse.GetValue(From), "--from")!.Value,
                To = CommonOptions.ParseTime(parse.GetValue(To), "--to")!.Value,
                TrainMonths = parse.GetValue(TrainMonths),
                ValidateMonths = parse.GetValue(ValidateMonths),
                TestMonths = parse.GetValue(TestMonths),
                StepMonths = parse.GetValue(StepMonths),
                EmbargoHours = parse.GetValue(EmbargoHours),
            };
            _ = plan.Folds();
            return plan;
        }
    }

    public static IReadOnlyList<decimal> ParseFees(string text, string option)
    {
        ArgumentNullException.ThrowIfNull(text);
        var fees = new List<decimal>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!decimal.TryParse(part, NumberStyles.Number, CultureInfo.InvariantCulture, out var fee) || fee < 0 || fee >= 1)
            {
                throw new InvalidRequestException($"{option}: '{part}' is not a fee in [0, 1) such as 0.001");
            }

            fees.Add(fee);
        }

        return fees.Count > 0 ? [.. fees.Distinct()] : throw new InvalidRequestException($"{option}: at least one fee is needed");
    }

    private static Command WalkForwardCommand()
    {
        var data = CommonOptions.Data();
        var interval = CommonOptions.Interval();
        var symbol = CommonOptions.Symbol();
        var plan = new PlanOptionSet();
        var fees = new Option<string>("--fees") { Description = "Fee levels every test part is traded at, comma-separated", DefaultValueFactory = _ => "0,0.001,0.0015" };
        var trainingFee = new Option<decimal>("--training-fee") { Description = "Fee the agents train and select with", DefaultValueFactory = _ => 0.001m };
        var baselinesOnly = new Option<bool>("--baselines-only") { Description = "Only the baselines (no agent trained)" };
        var parallel = new Option<int>("--parallel") { Description = "Folds trained at the same time (one torch thread each)", DefaultValueFactory = _ => 2 };
        var experiment = new Option<string>("--experiment") { Description = "MLflow experiment (when MLFLOW_TRACKING_URI is set or a platform runs at the default address)", DefaultValueFactory = _ => "platform-walk-forward" };
        var seed = CommonOptions.Seed();
        var spec = FeatureCommands.SpecOption();
        var output = CommonOptions.Out("out/walk-forward");
        var agent = new AgentOptionSet();
        var command = new Command("walk-forward", "Rolling folds: train, select on validation, test on the next unseen months (embargo between parts), baselines on the same rows, every fee level; writes folds.csv, summary.csv/json/md and charts")
        {
            data, interval, symbol, fees, trainingFee, baselinesOnly, parallel, experiment, seed, spec, output,
        };
        plan.AddTo(command);
        agent.AddTo(command);
        command.SetAction((parse, cancellation) => CliRunner.RunAsync(async () =>
        {
            var tradedSymbol = parse.GetValue(symbol)!.ToUpperInvariant();
            var seedValue = parse.GetValue(seed);
            var options = new WalkForwardOptions
            {
                Plan = plan.Read(parse),
                Trading = new Platform.Domain.Trading.TradingOptions { Symbol = tradedSymbol, FeeRate = parse.GetValue(trainingFee) },
                Fees = ParseFees(parse.GetValue(fees)!, "--fees"),
                Features = FeatureCommands.ReadSpec(parse.GetValue(spec)),
                Agents = parse.GetValue(baselinesOnly) ? [] : [agent.Read(parse, seedValue)],
                Seed = seedValue,
                Parallelism = parse.GetValue(parallel),
            };
            var problems = options.Problems();
            if (problems.Count > 0)
            {
                throw new InvalidRequestException(string.Join("; ", problems));
            }

            var klineInterval = CommonOptions.ParseInterval(parse.GetValue(interval)!);
            var loaded = DataLoading.Load(parse.GetValue(data), klineInterval, [.. options.Features.Symbols.Append(tradedSymbol).Distinct()]);
            TorchRuntime.UseThreads(1);
            var result = WalkForward.Run(loaded.Data, options, line => AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[grey]{line}[/]"), cancellation);
            var directory = parse.GetValue(output)!;
            var periodsPerYear = klineInterval.PeriodsPerYear;
            var summaries = WalkForwardReport.Write(result, periodsPerYear, directory);
            Print(summaries, options.Fees);
            if (await MlflowTarget.TryConnectAsync(cancellation) is { } mlflow)
            {
                using (mlflow)
                {
                    var runId = await WalkForwardTracking.LogAsync(mlflow, parse.GetValue(experiment)!, result, summaries, directory, cancellation);
                    AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"MLflow run [blue]{runId}[/] with {result.Folds.Count} nested fold runs");
                }
            }

            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"{result.Folds.Count} folds in {result.Elapsed.TotalSeconds:0} s; report: [blue]{Path.Combine(directory, "summary.md")}[/]");
            return 0;
        }));
        return command;
    }

    private static void Print(IReadOnlyList<PolicySummary> summaries, IReadOnlyList<decimal> fees)
    {
        var inv = CultureInfo.InvariantCulture;
        var table = new Table().AddColumns("policy", "fee", "folds", "median Sharpe", "mean Sharpe [[95% CI]]", "median return %", "worst max DD %", "median trades", "stitched Sharpe");
        foreach (var fee in fees)
        {
            foreach (var s in summaries.Where(s => s.Fee == fee))
            {
                var sharpe = s.Metrics["sharpe"];
                table.AddRow(
                    s.Policy, fee.ToString(inv), s.Folds.ToString(inv), sharpe.Median.ToString("0.00", inv), $"{sharpe.Mean.ToString("0.00", inv)} [[{sharpe.Low.ToString("0.00", inv)}, {sharpe.High.ToString("0.00", inv)}]]",
                    s.Metrics["return_pct"].Median.ToString("0.00", inv), s.Metrics["max_drawdown_pct"].Max.ToString("0.00", inv), s.Metrics["trades"].Median.ToString("0", inv), s.StitchedSharpe.ToString("0.00", inv));
            }
        }

        AnsiConsole.Write(table);
    }
}

/// <summary>The MLflow server to track in: MLFLOW_TRACKING_URI when set, else a platform at the default address if one answers.</summary>
internal static class MlflowTarget
{
    public static async Task<MlflowClient?> TryConnectAsync(CancellationToken cancellation)
    {
        if (Environment.GetEnvironmentVariable("MLFLOW_TRACKING_URI") is { Length: > 0 })
        {
            return MlflowClient.FromEnvironment();
        }

        var client = MlflowClient.Create(new MlflowClientOptions { MaxRetries = 0, RequestTimeout = TimeSpan.FromSeconds(2) });
        try
        {
            await client.GetExperimentByNameAsync("Default", cancellation);
            client.Dispose();
            return MlflowClient.Create(new MlflowClientOptions());
        }
        catch (Exception e) when (e is HttpRequestException or MlflowException or TaskCanceledException)
        {
            client.Dispose();
            AnsiConsole.MarkupLine("[grey]MLflow: not configured (MLFLOW_TRACKING_URI) and no platform at the default address; not tracked[/]");
            return null;
        }
    }
}
