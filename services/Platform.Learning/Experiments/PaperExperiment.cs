using System.Diagnostics;
using Platform.Domain;
using Platform.Domain.Backtesting;
using Platform.Domain.Features;
using Platform.Domain.MarketData;
using Platform.Domain.Trading;
using Platform.Learning.Agents;

namespace Platform.Learning.Experiments;

/// <summary>The paper's experiment: which agents, which ranges, which costs.</summary>
public sealed record PaperExperimentOptions
{
    public required DateRange Train { get; init; }

    public required DateRange Validate { get; init; }

    public required DateRange Trade { get; init; }

    public required TradingOptions Trading { get; init; }

    public FeatureSpec Features { get; init; } = FeatureSpec.PaperDefault;

    /// <summary>One entry per agent; names must be unique (e.g. "dqn-linear", "dqn-lstm").</summary>
    public required IReadOnlyList<(string Name, DqnAgentOptions Options)> Agents { get; init; }

    public int Seed { get; init; } = 42;

    /// <summary>Train the agents at the same time (one torch thread each).</summary>
    public bool Parallel { get; init; } = true;

    public IReadOnlyList<string> Problems()
    {
        var errors = new List<string>();
        if (Trade.From < Train.To)
        {
            errors.Add($"the trading range ({Trade}) must start at or after the end of the training range ({Train})");
        }

        if (Validate.From < Train.To)
        {
            errors.Add($"the validation range ({Validate}) must start at or after the end of the training range ({Train})");
        }

        if (Agents.Count == 0)
        {
            errors.Add("at least one agent is needed");
        }

        if (Agents.Select(a => a.Name).Distinct(StringComparer.Ordinal).Count() != Agents.Count)
        {
            errors.Add("agent names must be unique");
        }

        foreach (var (name, agent) in Agents)
        {
            errors.AddRange(agent.Validate().Select(e => $"{name}: {e}"));
        }

        errors.AddRange(Trading.Validate());
        return errors;
    }
}

/// <summary>One agent's training and its two trading runs on the trading range.</summary>
public sealed record AgentExperimentResult(string Name, TrainingOutcome Training, BacktestResult Greedy, BacktestResult Online, OnlineLearningStats OnlineStats);

public sealed record PaperExperimentResult(
    PaperExperimentOptions Options,
    string DataHash,
    IReadOnlyList<AgentExperimentResult> Agents,
    IReadOnlyList<BacktestResult> Baselines,
    TimeSpan Elapsed);

/// <summary>Progress of the experiment's stages, for progress bars (called from several threads).</summary>
public interface IExperimentProgress
{
    void Training(TrainingProgress progress);

    void Trading(string agent, int rowsDone, int rows);
}

/// <summary>
/// Runs the paper's experiment on a data set: trains each agent (train range, validation selection, early stopping),
/// trades the trading range with each agent greedily (online learning off) and with Target-Policy online learning on,
/// and backtests the baseline policies on the same range and costs.
/// </summary>
public static class PaperExperiment
{
    public static PaperExperimentResult Run(MarketDataSet data, PaperExperimentOptions options, IExperimentProgress? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Problems();
        if (errors.Count > 0)
        {
            throw new InvalidRequestException(string.Join("; ", errors));
        }

        using var activity = LearningInstrumentation.ActivitySource.StartActivity("experiment.paper");
        var stopwatch = Stopwatch.StartNew();
        var symbols = options.Features.Symbols.Append(options.Trading.Symbol).Distinct().ToList();
        var missing = symbols.Where(s => !data.Series.ContainsKey(s)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidRequestException($"The data has no klines for {string.Join(", ", missing)} (the feature spec '{options.Features.Name}' needs {string.Join(", ", symbols)}).");
        }

        var frame = MarketFrame.Build(data, options.Trading.Symbol, options.Features.Symbols);
        var features = FeatureBuilder.Build(options.Features, frame);
        foreach (var (range, option) in new[] { (options.Train, "training"), (options.Validate, "validation"), (options.Trade, "trading") })
        {
            try
            {
                Backtester.RowRange(frame, range.From, range.To);
            }
            catch (InvalidRequestException e)
            {
                throw new InvalidRequestException($"The {option} range: {e.Message}", e);
            }
        }
        var training = new TrainingData(frame, features, options.Trading, TrainingData.HashOf(data, symbols));

        AgentExperimentResult RunAgent((string Name, DqnAgentOptions Options) agent)
        {
            var outcome = DqnTrainer.Train(training, options.Train, options.Validate, agent.Options, agent.Name, progress is null ? null : progress.Training, cancellation: cancellation);
            var greedy = DqnTrader.TradeGreedy(outcome.Model, frame, features, options.Trading, options.Trade, agent.Name);
            var (online, stats) = DqnTrader.TradeOnline(
                outcome.Model, frame, features, options.Trading, options.Trade, agent.Options.Online, agent.Name + "-online",
                progress is null ? null : (done, total) => progress.Trading(agent.Name, done, total));
            return new AgentExperimentResult(agent.Name, outcome, greedy, online, stats);
        }

        AgentExperimentResult[] agents;
        if (options.Parallel)
        {
            var tasks = options.Agents.Select(a => Task.Factory.StartNew(() => RunAgent(a), cancellation, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
            agents = Task.WhenAll(tasks).GetAwaiter().GetResult();
        }
        else
        {
            agents = [.. options.Agents.Select(RunAgent)];
        }

        var baselines = BaselinePolicies.Names
            .Select(name => Backtester.Run(frame, features, BaselinePolicies.Create(name, options.Seed), options.Trading, options.Trade.From, options.Trade.To))
            .ToList();
        return new PaperExperimentResult(options, training.DataHash, agents, baselines, stopwatch.Elapsed);
    }
}
