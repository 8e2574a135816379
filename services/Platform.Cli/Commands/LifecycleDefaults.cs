using Platform.Domain.Promotion;
using Platform.Workflows;

namespace Platform.Cli.Commands;

/// <summary>The lifecycle's defaults on the bundled data, shared by demo, train and promote so they agree.</summary>
internal static class LifecycleDefaults
{
    public const string ModelName = "btcusdt-dqn";
    public const string TradedSymbol = "BTCUSDT";

    public static readonly IReadOnlyList<string> Symbols = ["BTCUSDT", "ETHUSDT", "BNBUSDT", "XRPUSDT", "LTCUSDT"];

    /// <summary>The end of the bundled data: the demo runs "as of" this moment.</summary>
    public static readonly DateTimeOffset BundledEnd = new(2023, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static TrainingHyperparameters Hyperparameters(int seed) => new(MaxEpochs: 3, Patience: 2, HiddenSize: 32, LearningRate: 1e-3, Seed: seed);

    public static PromotionThresholds Thresholds { get; } = new() { MinSharpeImprovement = 0, MaxDrawdownPct = 35, MinTrades = 4, MinDeflatedSharpeProbability = 0.5 };

    /// <summary>
    /// The retraining request of demo, retrain and the schedule: 92 days of training, 31 of validation and 61 of
    /// out-of-sample evaluation, ending at <paramref name="asOf"/> (null: when the workflow runs).
    /// </summary>
    public static RetrainingWorkflow.Request Retraining(string model, int seed, PromotionThresholds thresholds, TimeSpan approvalTimeout, DateTimeOffset? asOf, string? autoApprover) => new(
        model,
        Symbols,
        TradedSymbol,
        TrainLength: TimeSpan.FromDays(92),
        ValidateLength: TimeSpan.FromDays(31),
        EvaluateLength: TimeSpan.FromDays(61),
        FeeRate: 0.001m,
        Kinds: ["linear", "lstm"],
        Hyperparameters: Hyperparameters(seed),
        Thresholds: thresholds,
        ApprovalTimeout: approvalTimeout,
        AsOf: asOf,
        AutoApprover: autoApprover);

    /// <summary>Only one promotion per model runs at a time, so approvals can name the model rather than a run.</summary>
    public static string PromotionWorkflowId(string model) => $"promotion-{model}";

    public static string RetrainingWorkflowId(string model) => $"retraining-{model}";
}
