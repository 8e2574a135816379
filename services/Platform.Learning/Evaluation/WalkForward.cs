using System.Diagnostics;
using Platform.Domain;
using Platform.Domain.Backtesting;
using Platform.Domain.Evaluation;
using Platform.Domain.Features;
using Platform.Domain.MarketData;
using Platform.Domain.Trading;
using Platform.Learning.Agents;

namespace Platform.Learning.Evaluation;

/// <summary>What a walk-forward evaluation runs: the folds, the agents trained in each, the fee levels tested.</summary>
public sealed record WalkForwardOptions
{
    public required WalkForwardPlan Plan { get; init; }

    /// <summary>Trading rules of training and validation (its fee is the fee the agents learn with).</summary>
    public required TradingOptions Trading { get; init; }

    /// <summary>Fee levels every test part is traded at (agents and baselines alike).</summary>
    public IReadOnlyList<decimal> Fees { get; init; } = [0m, 0.001m, 0.0015m];

    public FeatureSpec Features { get; init; } = FeatureSpec.PaperDefault;

    /// <summary>One entry per agent; each is trained afresh in every fold. Empty: baselines only.</summary>
    public IReadOnlyList<(string Name, DqnAgentOptions Options)> Agents { get; init; } = [];

    /// <summary>Also test the baseline policies on every test part.</summary>
    public bool Baselines { get; init; } = true;

    public int Seed { get; init; } = 42;

    /// <summary>Folds trained at the same time (one torch thread each).</summary>
    public int Parallelism { get; init; } = 2;

    /// <summary>Only these folds (indices of the plan); null = all.</summary>
    public IReadOnlyList<int>? OnlyFolds { get; init; }

    public IReadOnlyList<string> Problems()
    {
        var errors = new List<string>(Plan.Validate());
        errors.AddRange(Trading.Validate());
        if (Fees.Count == 0 || Fees.Any(f => f is < 0 or >= 1))
        {
            errors.Add("--fees must list at least one fee in [0, 1)");
        }

        if (Agents.Select(a => a.Name).Distinct(StringComparer.Ordinal).Count() != Agents.Count)
        {
            errors.Add("agent names must be unique");
        }

        if (Agents.Count == 0 && !Baselines)
        {
            errors.Add("nothing to evaluate: no agent and no baselines");
        }

        if (Parallelism < 1)
        {
            errors.Add($"parallelism must be at least 1 (got {Parallelism})");
        }

        foreach (var (name, agent) in Agents)
        {
            errors.AddRange(agent.Validate().Select(e => $"{name}: {e}"));
        }

        return errors;
    }
}

/// <summary>One policy's test part of one fold at one fee level, with its per-row returns (for stitching and statistics).</summary>
public sealed record FoldTest(int Fold, string Policy, decimal Fee, DateTimeOffset From, DateTimeOffset To, PerformanceMetrics Metrics, long[] OpenTimeMs, double[] Returns);

/// <summary>An agent's training in one fold: the epoch picked on the validation part and its score there.</summary>
public sealed record FoldTraining(int Fold, string Agent, int BestEpoch, int Epochs, double ValidationScore, TimeSpan Elapsed);

public sealed record WalkForwardResult(WalkForwardOptions Options, IReadOnlyList<WalkForwardFold> Folds, IReadOnlyList<FoldTraining> Training, IReadOnlyList<FoldTest> Tests, string DataHash, TimeSpan Elapsed)
{
    public IEnumerable<string> Policies => Tests.Select(t => t.Policy).Distinct(StringComparer.Ordinal);

    public IReadOnlyList<FoldTest> Of(string policy, decimal fee) => [.. Tests.Where(t => t.Policy == policy && t.Fee == fee).OrderBy(t => t.Fold)];
}

/// <summary>
/// Walk-forward evaluation: in every fold each agent is trained on the training part with model selection on the
/// validation part only (the paper's protocol), then traded greedily on the unseen test part at every fee level, next
/// to the baseline policies on the same rows. Features are built once over the whole data (they are causal);
/// normalisation is fitted on each fold's training rows.
/// </summary>
public static class WalkForward
{
    public static WalkForwardResult Run(MarketDataSet data, WalkForwardOptions options, Action<string>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Problems();
        if (errors.Count > 0)
        {
            throw new InvalidRequestException(string.Join("; ", errors));
        }

        using var activity = LearningInstrumentation.ActivitySource.StartActivity("evaluation.walk_forward");
        var stopwatch = Stopwatch.StartNew();
        var folds = options.Plan.Folds();
        if (options.OnlyFolds is { } only)
        {
            var unknown = only.Where(i => i < 0 || i >= folds.Count).ToList();
            if (unknown.Count > 0)
            {
                throw new InvalidRequestException($"The plan has folds 0..{folds.Count - 1}; there is no fold {string.Join(", ", unknown)}.");
            }

            folds = [.. folds.Where(f => only.Contains(f.Index))];
        }

        var training = Prepare(data, options.Features, options.Trading);
        var trained = new List<FoldTraining>();
        var tests = new List<FoldTest>();
        var gate = new object();
        var work = folds.SelectMany(f => options.Agents.Select(a => (Fold: f, Agent: a))).ToList();
        Parallel.ForEach(work, new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism, CancellationToken = cancellation }, item =>
        {
            var (fold, (name, agent)) = item;
            var (record, results) = TrainAndTest(training, fold, name, agent, options.Fees, cancellation);
            lock (gate)
            {
                trained.Add(record);
                tests.AddRange(results);
                progress?.Invoke($"fold {fold.Index} {name}: best epoch {record.BestEpoch}/{record.Epochs}, validation {record.ValidationScore:0.00}, {record.Elapsed.TotalSeconds:0.0} s");
            }
        });

        if (options.Baselines)
        {
            foreach (var fold in folds)
            {
                foreach (var fee in options.Fees)
                {
                    foreach (var name in BaselinePolicies.Names)
                    {
                        var result = Backtester.Run(training.Frame, training.Features, BaselinePolicies.Create(name, options.Seed + fold.Index), options.Trading with { FeeRate = fee }, fold.TestFrom, fold.TestTo);
                        tests.Add(ToTest(fold, fee, result));
                    }
                }
            }
        }

        return new WalkForwardResult(
            options,
            folds,
            [.. trained.OrderBy(t => t.Fold).ThenBy(t => t.Agent, StringComparer.Ordinal)],
            [.. tests.OrderBy(t => t.Fold).ThenBy(t => t.Policy, StringComparer.Ordinal).ThenBy(t => t.Fee)],
            training.DataHash,
            stopwatch.Elapsed);
    }

    /// <summary>The market context of the data (frame and causal features) with the trading rules.</summary>
    public static TrainingData Prepare(MarketDataSet data, FeatureSpec spec, TradingOptions trading)
    {
        ArgumentNullException.ThrowIfNull(trading);
        return new TrainingData(MarketContext.Build(data, spec, trading.Symbol), trading);
    }

    /// <summary>Trains one agent on a fold (selection on its validation part) and trades the test part at every fee.</summary>
    public static (FoldTraining Training, IReadOnlyList<FoldTest> Tests) TrainAndTest(TrainingData data, WalkForwardFold fold, string name, DqnAgentOptions agent, IReadOnlyList<decimal> fees, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(fold);
        ArgumentNullException.ThrowIfNull(fees);
        var (model, record) = Train(data, fold, name, agent, cancellation: cancellation);
        using (model)
        {
            var tests = fees
                .Select(fee => ToTest(fold, fee, DqnTrader.TradeGreedy(model, data.Frame, data.Features, data.Trading with { FeeRate = fee }, new DateRange(fold.TestFrom, fold.TestTo), name)))
                .ToList();
            return (record, tests);
        }
    }

    /// <summary>Trains one agent on a fold's training part, selecting the epoch on its validation part; the caller owns the model.</summary>
    public static (DqnModel Model, FoldTraining Training) Train(TrainingData data, WalkForwardFold fold, string name, DqnAgentOptions agent, Action<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(fold);
        ArgumentNullException.ThrowIfNull(agent);
        var outcome = DqnTrainer.Train(data, new DateRange(fold.TrainFrom, fold.TrainTo), new DateRange(fold.ValidateFrom, fold.ValidateTo), agent, name, progress, cancellation: cancellation);
        return (outcome.Model, new FoldTraining(fold.Index, name, outcome.BestEpoch, outcome.Epochs.Count, outcome.Model.Metadata.ValidationScore, outcome.Elapsed));
    }

    public static FoldTest ToTest(WalkForwardFold fold, decimal fee, BacktestResult result)
    {
        ArgumentNullException.ThrowIfNull(fold);
        ArgumentNullException.ThrowIfNull(result);
        return new FoldTest(fold.Index, result.Policy, fee, fold.TestFrom, fold.TestTo, result.Metrics, [.. result.OpenTimeMs], PeriodReturns.Of(result));
    }
}
