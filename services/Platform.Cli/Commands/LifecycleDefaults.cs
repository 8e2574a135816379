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

    /// <summary>Only one promotion per model runs at a time, so approvals can name the model rather than a run.</summary>
    public static string PromotionWorkflowId(string model) => $"promotion-{model}";

    public static string RetrainingWorkflowId(string model) => $"retraining-{model}";
}
