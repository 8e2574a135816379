using System.Diagnostics;
using Platform.Domain;
using Platform.Domain.Backtesting;
using Platform.Domain.Features;
using Platform.Domain.Trading;
using Platform.Learning.Networks;
using Platform.Learning.Replay;
using Platform.Learning.Training;

namespace Platform.Learning.Agents;

/// <summary>The market the agent learns in: frame, raw (un-normalised) features, trading rules, and the data's hash.</summary>
public sealed record TrainingData(MarketFrame Frame, FeatureMatrix Features, TradingOptions Trading, string DataHash)
{
    public TrainingData(MarketContext market, TradingOptions trading)
        : this(market?.Frame ?? throw new ArgumentNullException(nameof(market)), market.Features, trading, market.DataHash)
    {
    }
}

/// <summary>Where training is: for progress bars.</summary>
public readonly record struct TrainingProgress(string Agent, int Epoch, int MaxEpochs, long Steps, long PlannedSteps, double? LastValidationScore);

/// <summary>One pass over the training range and its validation backtest.</summary>
public sealed record EpochRecord(int Epoch, long Steps, long Updates, double Epsilon, double MeanLoss, double TrainReturnPct, double ValidationScore, double ValidationReturnPct, bool Improved);

public sealed record TrainingOutcome(DqnModel Model, IReadOnlyList<EpochRecord> Epochs, int BestEpoch, bool StoppedEarly, TimeSpan Elapsed)
{
    /// <summary>The last epoch a checkpoint had completed when this run started (0: trained from scratch).</summary>
    public int ResumedAfterEpoch { get; init; }
}

/// <summary>
/// The paper's protocol (Fig. 6): ε-greedy DQN training on the training range in the research core's
/// <see cref="TradingEnvironment"/> (fees on), a greedy backtest on the validation range after every epoch, the best
/// epoch's weights kept, and early stopping when validation stops improving for <see cref="DqnAgentOptions.Patience"/> epochs.
/// </summary>
public static class DqnTrainer
{
    /// <param name="checkpoint">When given, saved after every epoch and, if it exists, resumed from (see <see cref="TrainingCheckpoint"/>).</param>
    public static TrainingOutcome Train(TrainingData data, DateRange train, DateRange validate, DqnAgentOptions options, string name, Action<TrainingProgress>? progress = null, TrainingCheckpoint? checkpoint = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validate);
        ArgumentNullException.ThrowIfNull(options);
        options.EnsureValid();
        if (validate.From < train.To)
        {
            throw new InvalidRequestException($"The validation range ({validate}) must start at or after the end of the training range ({train}).");
        }

        using var activity = LearningInstrumentation.ActivitySource.StartActivity("dqn.train");
        activity?.SetTag("agent", name);
        var stopwatch = Stopwatch.StartNew();
        var (frame, rawFeatures, trading, _) = data;
        var (rangeStart, trainEnd) = Backtester.RowRange(frame, train.From, train.To);
        Backtester.RowRange(frame, validate.From, validate.To);
        var trainStart = Math.Max(rangeStart, rawFeatures.FirstObservableRow);
        if (trainEnd - trainStart < 2)
        {
            throw new InvalidRequestException($"The training range {train} has {Math.Max(0, trainEnd - trainStart)} rows with a full {rawFeatures.Spec.WindowLength}-row feature window; at least 2 are needed.");
        }

        var normalization = NormalizationStats.Fit(rawFeatures, trainStart, trainEnd);
        var states = new AgentStates(normalization.Apply(rawFeatures), trading.MaxLots);
        var spec = states.NetworkSpec(options.Kind, options.HiddenSize, options.Dueling);
        var dqn = options.Dqn with { Network = spec };
        using var learner = new DqnLearner(dqn);
        var best = QNetwork.Create(spec, dqn.Seed);
        best.CopyWeightsFrom(learner.Policy);
        var replay = new ReplayBuffer(dqn.ReplayCapacity, spec.StateSize);
        var explore = new SeededRandom(unchecked((dqn.Seed * 7919) + 17));
        var epsilon = EpsilonSchedule.From(dqn);
        var epochs = new List<EpochRecord>();
        var bestScore = double.NegativeInfinity;
        var bestEpoch = 0;
        var sinceBest = 0;
        long steps = 0;
        var firstEpoch = 1;
        if (checkpoint?.TryRestore(learner, best, replay) is { } resumed)
        {
            firstEpoch = resumed.CompletedEpochs + 1;
            steps = resumed.Steps;
            bestEpoch = resumed.BestEpoch;
            bestScore = resumed.BestScore;
            sinceBest = resumed.SinceBest;
            epochs.AddRange(resumed.Epochs);
            explore = SeededRandom.FromState([.. resumed.ExplorationState]);
            activity?.SetTag("resumed_from_epoch", resumed.CompletedEpochs);
        }

        var stepsPerEpoch = trainEnd - trainStart;
        var planned = (long)stepsPerEpoch * options.MaxEpochs;

        for (var epoch = firstEpoch; epoch <= options.MaxEpochs && !(epochs.Count > 0 && sinceBest >= options.Patience); epoch++)
        {
            using var epochSpan = LearningInstrumentation.ActivitySource.StartActivity("dqn.epoch");
            epochSpan?.SetTag("epoch", epoch);
            var env = new TradingEnvironment(frame, trading, trainStart, trainEnd);
            double lossSum = 0;
            var lossCount = 0;
            TransitionLoop.Run(
                env,
                states,
                new RewardShaper(options, trading),
                (ReadOnlySpan<float> s, in Observation _) => (TradeAction)(explore.NextDouble() < epsilon.At(steps)
                    ? explore.Next(3)
                    : learner.GreedyAction(s, NetworkRole.Policy)),
                (s, action, reward, next, done) =>
                {
                    replay.Add(s, action, reward, next, done);
                    steps++;
                    if (replay.Count >= dqn.WarmupTransitions && steps % dqn.UpdateEvery == 0)
                    {
                        lossSum += learner.Update(replay);
                        lossCount++;
                    }

                    if (steps % 512 == 0)
                    {
                        progress?.Invoke(new TrainingProgress(name, epoch, options.MaxEpochs, steps, planned, epochs.Count > 0 ? epochs[^1].ValidationScore : null));
                    }
                },
                cancellation);

            var trainReturn = ((double)(env.EquityCurve[^1] / trading.InitialCash) - 1) * 100;
            var validationPolicy = new DeciderPolicy(name, new DqnDecider(QNetworkInference.From(learner.Policy), rawFeatures.Spec, normalization, trading.MaxLots));
            var validation = Backtester.Run(frame, rawFeatures, validationPolicy, trading, validate.From, validate.To);
            var score = Score(validation.Metrics, options.ValidationMetric);
            var improved = score > bestScore;
            if (improved)
            {
                bestScore = score;
                bestEpoch = epoch;
                best.CopyWeightsFrom(learner.Policy);
                sinceBest = 0;
            }
            else
            {
                sinceBest++;
            }

            epochs.Add(new EpochRecord(epoch, steps, learner.Updates, epsilon.At(steps), lossCount > 0 ? lossSum / lossCount : double.NaN, trainReturn, score, validation.Metrics.ReturnPct, improved));
            epochSpan?.SetTag("validation_score", score);
            progress?.Invoke(new TrainingProgress(name, epoch, options.MaxEpochs, steps, planned, score));
            checkpoint?.Save(new TrainingResumeState(epoch, steps, bestEpoch, bestScore, sinceBest, [.. epochs], explore.State), learner, best, replay);
            if (sinceBest >= options.Patience)
            {
                break;
            }
        }

        var stoppedEarly = epochs.Count < options.MaxEpochs;
        progress?.Invoke(new TrainingProgress(name, epochs.Count, options.MaxEpochs, planned, planned, bestScore));
        var metadata = DqnModelMetadata.Describe(name, data, normalization, options, dqn, train, validate) with
        {
            SelectedEpoch = bestEpoch,
            ValidationMetric = options.ValidationMetric.ToString(),
            ValidationScore = bestScore,
        };
        return new TrainingOutcome(new DqnModel(best, metadata), epochs, bestEpoch, stoppedEarly, stopwatch.Elapsed) { ResumedAfterEpoch = firstEpoch - 1 };
    }

    /// <summary>The learning signal: the environment's equity change (USDT, fees included) as a scaled fraction of the initial cash.</summary>
    public static float Reward(decimal equityChange, TradingOptions trading, DqnAgentOptions options)
    {
        ArgumentNullException.ThrowIfNull(trading);
        ArgumentNullException.ThrowIfNull(options);
        return (float)((double)(equityChange / trading.InitialCash) * options.RewardScale);
    }

    private static double Score(PerformanceMetrics metrics, ValidationMetric metric) => metric switch
    {
        ValidationMetric.Sharpe => metrics.Sharpe,
        ValidationMetric.ReturnPct => metrics.ReturnPct,
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "Unknown validation metric."),
    };
}
