using System.CommandLine;
using System.Globalization;
using Platform.Domain;
using Platform.Learning;
using Platform.Learning.Agents;
using Platform.Learning.Experiments;
using Platform.Learning.Networks;
using Spectre.Console;

namespace Platform.Cli.Commands;

/// <summary>`platform experiment paper`: the paper's experiment end to end (train, validate, trade; online learning on and off; baselines).</summary>
internal static class ExperimentCommands
{
    public static Command Create()
    {
        var experiment = new Command("experiment", "Reproducible experiments");
        experiment.Subcommands.Add(Paper());
        return experiment;
    }

    private static Command Paper()
    {
        var data = CommonOptions.Data();
        var interval = CommonOptions.Interval();
        var symbol = CommonOptions.Symbol();
        var train = new Option<string>("--train") { Description = "Training range FROM:TO (UTC, end exclusive)", DefaultValueFactory = _ => "2021-01-01:2022-01-01" };
        var validate = new Option<string>("--validate") { Description = "Validation range FROM:TO: picks the best epoch, stops training early", DefaultValueFactory = _ => "2022-01-01:2023-01-01" };
        var trade = new Option<string>("--trade") { Description = "Trading range FROM:TO, e.g. 2022-12-01:2023-01-01", Required = true };
        var seed = CommonOptions.Seed();
        var maxEpochs = new Option<int?>("--max-epochs") { Description = "Most training epochs per agent (default: 10 Linear, 6 LSTM)" };
        var onlineSync = new Option<int>("--online-sync-every") { Description = "Online learning: refresh the acting (target) network from the policy network every K steps", DefaultValueFactory = _ => 24 };
        var spec = FeatureCommands.SpecOption();
        var linearHidden = new Option<int?>("--linear-hidden") { Description = "Hidden size of the Linear Q-network (default 64)" };
        var lstmHidden = new Option<int?>("--lstm-hidden") { Description = "Hidden size of the LSTM Q-network (default 32)" };
        var gamma = new Option<double?>("--gamma") { Description = "Discount of the bootstrap target (default 0.99)" };
        var learningRate = new Option<double?>("--learning-rate") { Description = "Adam learning rate (default 0.001)" };
        var doubleDqn = new Option<bool>("--double-dqn") { Description = "Double-DQN targets: the policy network picks a′, the target network values it" };
        var dueling = new Option<bool>("--dueling") { Description = "Dueling head (Q = V + A − mean A, all linear)" };
        var sequential = new Option<bool>("--sequential") { Description = "Train the agents one after the other instead of side by side" };
        var output = CommonOptions.Out("out/experiment");
        var trading = new TradingOptionSet();
        var command = new Command("paper", "The paper's experiment: train Linear- and LSTM-DQN, select on validation, trade with online learning off and on, compare with baselines; writes summary.md, summary.json, charts and models")
        {
            data, interval, symbol, train, validate, trade, seed, maxEpochs, onlineSync, spec, linearHidden, lstmHidden, gamma, learningRate, doubleDqn, dueling, sequential, output,
        };
        trading.AddTo(command);
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var directory = CommonOptions.EnsureWritableDirectory(parse.GetValue(output)!, "--out");
            var tradedSymbol = parse.GetValue(symbol)!.ToUpperInvariant();
            var tradingOptions = trading.Read(parse, tradedSymbol);
            var (trainFrom, trainTo) = CommonOptions.ParseRange(parse.GetValue(train)!, "--train");
            var (validateFrom, validateTo) = CommonOptions.ParseRange(parse.GetValue(validate)!, "--validate");
            var (tradeFrom, tradeTo) = CommonOptions.ParseRange(parse.GetValue(trade)!, "--trade");
            var seedValue = parse.GetValue(seed);
            var epochs = parse.GetValue(maxEpochs);
            if (epochs is < 1)
            {
                throw new InvalidRequestException("--max-epochs must be at least 1");
            }

            var online = new OnlineLearningOptions { SyncEverySteps = parse.GetValue(onlineSync) };
            DqnAgentOptions Agent(QNetworkKind kind)
            {
                var defaults = DqnAgentOptions.Default(kind, seedValue);
                return defaults with
                {
                    HiddenSize = (kind == QNetworkKind.Linear ? parse.GetValue(linearHidden) : parse.GetValue(lstmHidden)) ?? defaults.HiddenSize,
                    MaxEpochs = epochs ?? defaults.MaxEpochs,
                    Online = online,
                    Dueling = parse.GetValue(dueling),
                    Dqn = defaults.Dqn with
                    {
                        DoubleDqn = parse.GetValue(doubleDqn),
                        Gamma = parse.GetValue(gamma) ?? defaults.Dqn.Gamma,
                        LearningRate = parse.GetValue(learningRate) ?? defaults.Dqn.LearningRate,
                    },
                };
            }

            var options = new PaperExperimentOptions
            {
                Train = new DateRange(trainFrom, trainTo),
                Validate = new DateRange(validateFrom, validateTo),
                Trade = new DateRange(tradeFrom, tradeTo),
                Trading = tradingOptions,
                Features = FeatureCommands.ReadSpec(parse.GetValue(spec)),
                Agents = [("dqn-linear", Agent(QNetworkKind.Linear)), ("dqn-lstm", Agent(QNetworkKind.Lstm))],
                Seed = seedValue,
                Parallel = !parse.GetValue(sequential),
            };
            var problems = options.Problems();
            if (problems.Count > 0)
            {
                throw new InvalidRequestException(string.Join("; ", problems));
            }

            var loaded = DataLoading.Load(parse.GetValue(data), CommonOptions.ParseInterval(parse.GetValue(interval)!), [.. options.Features.Symbols.Append(tradedSymbol).Distinct()]);
            TorchRuntime.UseThreads(1);
            PaperExperimentResult? result = null;
            CliProgress.Run(
                progress =>
                {
                    var bars = new ProgressBars(progress, options);
                    result = PaperExperiment.Run(loaded.Data, options, bars);
                    bars.Complete();
                },
                autoClear: false,
                new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn());

            var ranges = new[] { options.Train, options.Validate, options.Trade };
            var quality = DataLoading.ReportQuality(loaded, options.Features.Symbols.Append(tradedSymbol), ranges.Min(r => r.From), ranges.Max(r => r.To));
            ExperimentReport.Write(result!, quality, directory);
            BacktestCommands.PrintMetrics([.. result!.Agents.SelectMany(a => new[] { a.Greedy, a.Online }), .. result.Baselines]);
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"experiment took {result.Elapsed.TotalSeconds:0}s; report: [blue]{Path.Combine(directory, "summary.md")}[/]");
            return 0;
        }));
        return command;
    }

    /// <summary>One bar per agent for training and one for online trading; updated from the agents' threads.</summary>
    private sealed class ProgressBars : IExperimentProgress
    {
        private readonly Dictionary<string, ProgressTask> training = new(StringComparer.Ordinal);
        private readonly Dictionary<string, ProgressTask> trading = new(StringComparer.Ordinal);

        public ProgressBars(CliProgress context, PaperExperimentOptions options)
        {
            foreach (var (name, _) in options.Agents)
            {
                training[name] = context.AddTask($"train {name}", maxValue: 1);
                trading[name] = context.AddTask($"trade {name} (online learning)", autoStart: false, maxValue: 1);
            }
        }

        public void Training(TrainingProgress progress)
        {
            var task = training[progress.Agent];
            task.MaxValue = Math.Max(1, progress.PlannedSteps);
            task.Value = progress.Steps;
            task.Description = progress.LastValidationScore is { } score
                ? $"train {progress.Agent} epoch {progress.Epoch}/{progress.MaxEpochs} (validation {score:0.00})"
                : $"train {progress.Agent} epoch {progress.Epoch}/{progress.MaxEpochs}";
        }

        public void Trading(string agent, int rowsDone, int rows)
        {
            var task = trading[agent];
            if (!task.IsStarted)
            {
                task.StartTask();
            }

            task.MaxValue = Math.Max(1, rows);
            task.Value = rowsDone;
        }

        public void Complete()
        {
            foreach (var task in training.Values.Concat(trading.Values))
            {
                task.Value = task.MaxValue;
                task.StopTask();
            }
        }
    }
}
