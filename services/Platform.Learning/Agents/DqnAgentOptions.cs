using Platform.Domain;
using Platform.Learning.Networks;
using Platform.Learning.Training;

namespace Platform.Learning.Agents;

/// <summary>Which training metric picks the best checkpoint on the validation range.</summary>
public enum ValidationMetric
{
    Sharpe,
    ReturnPct,
}

/// <summary>
/// How a DQN agent is trained (the paper's protocol: train, select on validation, trade) and how it learns online.
/// Reward of a step = the trading environment's change in equity over that step (USDT, fees included) divided by the
/// initial cash and multiplied by <see cref="RewardScale"/> (default 100: percent of starting capital).
/// </summary>
public sealed record DqnAgentOptions
{
    public QNetworkKind Kind { get; init; } = QNetworkKind.Linear;

    public int HiddenSize { get; init; } = 64;

    public bool Dueling { get; init; }

    /// <summary>Learner hyperparameters; its network spec is derived from the features and these options.</summary>
    public DqnOptions Dqn { get; init; } = new();

    /// <summary>Most passes over the training range.</summary>
    public int MaxEpochs { get; init; } = 8;

    /// <summary>Stop after this many epochs without a better validation score.</summary>
    public int Patience { get; init; } = 3;

    public ValidationMetric ValidationMetric { get; init; } = ValidationMetric.Sharpe;

    public double RewardScale { get; init; } = 100;

    public OnlineLearningOptions Online { get; init; } = new();

    /// <summary>The defaults used by the paper experiment for each architecture (sized to finish within minutes on 2 cores).</summary>
    public static DqnAgentOptions Default(QNetworkKind kind, int seed) => kind switch
    {
        QNetworkKind.Linear => new DqnAgentOptions
        {
            Kind = kind,
            HiddenSize = 64,
            MaxEpochs = 10,
            Dqn = new DqnOptions { Seed = seed, ReplayCapacity = 20_000, WarmupTransitions = 1_000, UpdateEvery = 2, TargetSyncInterval = 500, EpsilonDecaySteps = 40_000 },
        },
        QNetworkKind.Lstm => new DqnAgentOptions
        {
            Kind = kind,
            HiddenSize = 32,
            MaxEpochs = 6,
            Dqn = new DqnOptions { Seed = seed, ReplayCapacity = 20_000, WarmupTransitions = 1_000, UpdateEvery = 8, TargetSyncInterval = 250, EpsilonDecaySteps = 25_000 },
        },
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown network kind."),
    };

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>(Dqn?.Validate() ?? ["DQN options are required"]);
        if (HiddenSize is < 1 or > 8192)
        {
            errors.Add($"hidden size must be in [1, 8192] (got {HiddenSize})");
        }

        if (MaxEpochs < 1)
        {
            errors.Add($"max epochs must be at least 1 (got {MaxEpochs})");
        }

        if (Patience < 1)
        {
            errors.Add($"patience must be at least 1 epoch (got {Patience})");
        }

        if (!(RewardScale > 0))
        {
            errors.Add($"reward scale must be positive (got {RewardScale})");
        }

        errors.AddRange(Online?.Validate() ?? ["online learning options are required"]);
        return errors;
    }

    public void EnsureValid()
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new InvalidRequestException("Invalid agent options: " + string.Join("; ", errors));
        }
    }
}

/// <summary>
/// The paper's Target-Policy continuous learning while trading: the target network acts (greedily); every new
/// transition goes to the replay buffer and the policy network takes <see cref="UpdatesPerStep"/> gradient steps;
/// the target network is refreshed from the policy network every <see cref="SyncEverySteps"/> steps.
/// </summary>
public sealed record OnlineLearningOptions
{
    public int SyncEverySteps { get; init; } = 24;

    public int UpdatesPerStep { get; init; } = 1;

    /// <summary>The replay starts with transitions from up to this many rows just before the trading range (greedy acts, no look-ahead).</summary>
    public int ReplayWarmupRows { get; init; } = 2_000;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (SyncEverySteps < 1)
        {
            errors.Add($"online sync interval must be at least 1 step (got {SyncEverySteps})");
        }

        if (UpdatesPerStep < 0)
        {
            errors.Add($"online updates per step cannot be negative (got {UpdatesPerStep})");
        }

        if (ReplayWarmupRows < 0)
        {
            errors.Add($"online replay warm-up rows cannot be negative (got {ReplayWarmupRows})");
        }

        return errors;
    }
}
