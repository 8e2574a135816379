using Platform.Domain.Evaluation;
using Temporalio.Activities;

namespace Platform.Workflows;

/// <summary>
/// The choices a sweep samples from, one list per hyperparameter (a one-element list fixes it). Window lengths vary the
/// feature spec (the paper's inputs over that many hours).
/// </summary>
public sealed record SweepSearchSpace(
    IReadOnlyList<string> Kinds,
    IReadOnlyList<int> HiddenSizes,
    IReadOnlyList<int> WindowLengths,
    IReadOnlyList<double> LearningRates,
    IReadOnlyList<double> Gammas,
    IReadOnlyList<int> EpsilonDecaySteps,
    IReadOnlyList<int> TargetSyncIntervals,
    IReadOnlyList<bool> DoubleDqn,
    IReadOnlyList<bool> Dueling,
    IReadOnlyList<string> Rewards,
    IReadOnlyList<double> ActionCostsPct,
    IReadOnlyList<int> Seeds,
    int MaxEpochs = 6)
{
    /// <summary>The default space: the Linear network around the walk-forward winners (the LSTM costs ~10× per trial).</summary>
    public static SweepSearchSpace Default { get; } = new(
        Kinds: ["linear"],
        HiddenSizes: [16, 32, 64],
        WindowLengths: [12, 24, 48],
        LearningRates: [3e-4, 1e-3],
        Gammas: [0.9, 0.99],
        EpsilonDecaySteps: [10_000, 40_000],
        TargetSyncIntervals: [250, 500],
        DoubleDqn: [false, true],
        Dueling: [false, true],
        Rewards: ["equity-change", "log-return", "differential-sharpe"],
        ActionCostsPct: [0, 0.2],
        Seeds: [1, 2, 3]);

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        foreach (var (count, name) in new[]
        {
            (Kinds.Count, "kinds"), (HiddenSizes.Count, "hidden sizes"), (WindowLengths.Count, "window lengths"), (LearningRates.Count, "learning rates"),
            (Gammas.Count, "gammas"), (EpsilonDecaySteps.Count, "epsilon decay steps"), (TargetSyncIntervals.Count, "target sync intervals"),
            (DoubleDqn.Count, "double-DQN choices"), (Dueling.Count, "dueling choices"), (Rewards.Count, "rewards"), (ActionCostsPct.Count, "action costs"), (Seeds.Count, "seeds"),
        })
        {
            if (count == 0)
            {
                errors.Add($"the search space lists no {name}");
            }
        }

        if (MaxEpochs < 1)
        {
            errors.Add($"max epochs must be at least 1 (got {MaxEpochs})");
        }

        return errors;
    }

    /// <summary>Trial <paramref name="index"/>'s parameters: drawn from a generator seeded by the sweep seed and the index, so a sweep is reproducible.</summary>
    public TrialParameters Sample(int sweepSeed, int index)
    {
        var random = new Random(unchecked((sweepSeed * 1_000_003) + index));
        T Pick<T>(IReadOnlyList<T> values) => values[random.Next(values.Count)];
        return new TrialParameters(
            Pick(Kinds), Pick(HiddenSizes), Pick(WindowLengths), Pick(LearningRates), Pick(Gammas), Pick(EpsilonDecaySteps), Pick(TargetSyncIntervals),
            Pick(DoubleDqn), Pick(Dueling), Pick(Rewards), Pick(ActionCostsPct), Pick(Seeds), MaxEpochs);
    }
}

/// <summary>One trial's hyperparameters.</summary>
public sealed record TrialParameters(
    string Kind,
    int HiddenSize,
    int WindowLength,
    double LearningRate,
    double Gamma,
    int EpsilonDecaySteps,
    int TargetSyncInterval,
    bool DoubleDqn,
    bool Dueling,
    string Reward,
    double ActionCostPct,
    int Seed,
    int MaxEpochs);

/// <summary>Where a sweep's data and outputs are (by reference) and what it trades.</summary>
public sealed record SweepTarget(string DataDirectory, string Interval, string TradedSymbol, decimal FeeRate, string OutputDirectory, string ExperimentName, string ModelName);

/// <summary>One fold's test numbers for a trial; the per-row returns are in a file (large data by reference).</summary>
public sealed record FoldScore(int Fold, double Sharpe, double ReturnPct, double MaxDrawdownPct, int Trades, double FeesPaid, double Exposure, double ValidationScore, int BestEpoch, string ReturnsPath);

/// <summary>A trial as the sweep ended it: its scores on every fold it reached and the rung it stopped at.</summary>
/// <param name="Score">Median test Sharpe over the folds it was evaluated on.</param>
public sealed record TrialRecord(int Index, TrialParameters Parameters, string RunId, IReadOnlyList<FoldScore> Folds, int Rung, double Score, string Status);

public sealed record StartSweepInput(SweepTarget Target, string SweepId, int Trials, int Seed, WalkForwardPlan Plan, int Rungs, int Eta);

public sealed record StartTrialInput(SweepTarget Target, string ParentRunId, string SweepId, int TrialIndex, TrialParameters Parameters);

public sealed record EvaluateTrialFoldInput(SweepTarget Target, string SweepId, int TrialIndex, string RunId, TrialParameters Parameters, WalkForwardFold Fold);

public sealed record LogTrialRungInput(string RunId, int Rung, int Folds, double Score);

public sealed record ConcludeSweepInput(SweepTarget Target, string SweepId, string ParentRunId, WalkForwardPlan Plan, IReadOnlyList<TrialRecord> Trials, bool Register);

/// <summary>What a sweep leaves behind: the leaderboard, the best model and its statistics.</summary>
/// <param name="ProbabilityOfOverfitting">CSCV over every trial's returns on the folds all trials reached (NaN with fewer than 2 trials).</param>
/// <param name="DeflatedSharpeProbability">Deflated Sharpe ratio of the best trial given every trial's Sharpe.</param>
public sealed record SweepConclusion(string LeaderboardPath, string BestModelPath, int BestTrial, double BestScore, double ProbabilityOfOverfitting, double DeflatedSharpeProbability, string? RegisteredVersion);

public interface ISweepActivities
{
    /// <summary>Creates the sweep's parent MLflow run (params: plan, space size, seed) and returns its id.</summary>
    [Activity("StartSweep")]
    Task<string> StartSweepAsync(StartSweepInput input);

    /// <summary>Creates a trial's MLflow run under the sweep's run (tag mlflow.parentRunId) with its parameters.</summary>
    [Activity("StartSweepTrial")]
    Task<string> StartTrialAsync(StartTrialInput input);

    /// <summary>Trains the trial on one fold (selection on its validation part), tests it, logs the fold's metrics. Heartbeats.</summary>
    [Activity("EvaluateSweepTrialFold")]
    Task<FoldScore> EvaluateTrialFoldAsync(EvaluateTrialFoldInput input);

    [Activity("LogSweepTrialRung")]
    Task LogTrialRungAsync(LogTrialRungInput input);

    /// <summary>Leaderboard, PBO and deflated Sharpe over all trials, the best configuration trained on the latest window, registration and audit.</summary>
    [Activity("ConcludeSweep")]
    Task<SweepConclusion> ConcludeAsync(ConcludeSweepInput input);
}
