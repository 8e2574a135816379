using Platform.Domain;
using Platform.Learning.Networks;

namespace Platform.Learning.Training;

/// <summary>Hyperparameters of a DQN learner. Defaults follow the reference workload (γ 0.99, Adam 1e-3, batch 64).</summary>
public sealed record DqnOptions
{
    public QNetworkSpec Network { get; init; } = new();

    /// <summary>Discount of the bootstrap target r + γ·max Q_target(s′).</summary>
    public double Gamma { get; init; } = 0.99;

    public double LearningRate { get; init; } = 1e-3;

    public int BatchSize { get; init; } = 64;

    public int ReplayCapacity { get; init; } = 10_000;

    /// <summary>Transitions the buffer must hold before the first update.</summary>
    public int WarmupTransitions { get; init; } = 500;

    /// <summary>Hard target sync: copy policy → target every this many updates (ignored when <see cref="PolyakTau"/> is set).</summary>
    public int TargetSyncInterval { get; init; } = 500;

    /// <summary>Soft target update after every update: target ← (1 − τ)·target + τ·policy. Null = hard syncs.</summary>
    public double? PolyakTau { get; init; }

    /// <summary>Huber loss threshold: quadratic below, linear above.</summary>
    public double HuberDelta { get; init; } = 1.0;

    /// <summary>Gradient clipping by global L2 norm; null = no clipping.</summary>
    public double? GradientClipNorm { get; init; } = 10.0;

    /// <summary>Double DQN target: the policy network picks a′, the target network values it.</summary>
    public bool DoubleDqn { get; init; }

    public double EpsilonStart { get; init; } = 1.0;

    public double EpsilonEnd { get; init; } = 0.05;

    /// <summary>Environment steps over which ε falls linearly from start to end.</summary>
    public int EpsilonDecaySteps { get; init; } = 20_000;

    /// <summary>One gradient update every this many environment steps.</summary>
    public int UpdateEvery { get; init; } = 1;

    public int Seed { get; init; } = 42;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>(Network?.Validate() ?? ["network spec is required"]);
        if (Gamma is < 0 or > 1)
        {
            errors.Add($"gamma must be in [0, 1] (got {Gamma})");
        }

        if (!(LearningRate > 0) || LearningRate > 1)
        {
            errors.Add($"learning rate must be in (0, 1] (got {LearningRate})");
        }

        if (BatchSize < 1)
        {
            errors.Add($"batch size must be at least 1 (got {BatchSize})");
        }

        if (ReplayCapacity < BatchSize)
        {
            errors.Add($"replay capacity ({ReplayCapacity}) must be at least the batch size ({BatchSize})");
        }

        if (WarmupTransitions < 1 || WarmupTransitions > ReplayCapacity)
        {
            errors.Add($"warm-up transitions must be in [1, replay capacity] (got {WarmupTransitions})");
        }

        if (TargetSyncInterval < 1)
        {
            errors.Add($"target sync interval must be at least 1 update (got {TargetSyncInterval})");
        }

        if (PolyakTau is { } tau && tau is <= 0 or > 1)
        {
            errors.Add($"Polyak tau must be in (0, 1] (got {tau})");
        }

        if (!(HuberDelta > 0))
        {
            errors.Add($"Huber delta must be positive (got {HuberDelta})");
        }

        if (GradientClipNorm is { } clip && !(clip > 0))
        {
            errors.Add($"gradient clip norm must be positive (got {clip})");
        }

        if (EpsilonStart is < 0 or > 1 || EpsilonEnd is < 0 or > 1)
        {
            errors.Add($"epsilon start and end must be in [0, 1] (got {EpsilonStart} and {EpsilonEnd})");
        }

        if (EpsilonDecaySteps < 1)
        {
            errors.Add($"epsilon decay steps must be at least 1 (got {EpsilonDecaySteps})");
        }

        if (UpdateEvery < 1)
        {
            errors.Add($"update-every must be at least 1 (got {UpdateEvery})");
        }

        return errors;
    }

    public void EnsureValid()
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new InvalidRequestException("Invalid DQN options: " + string.Join("; ", errors));
        }
    }
}
