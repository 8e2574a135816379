using Platform.Domain.MarketData;
using Platform.Domain.Promotion;
using Temporalio.Activities;

namespace Platform.Workflows;

/// <summary>The task queue every Platform worker polls by default.</summary>
public static class TaskQueues
{
    public const string Lifecycle = "platform-lifecycle";
}

public sealed record BackfillChunkInput(BackfillChunk Chunk, string? SourceDirectory);

/// <summary>Market data into the platform's store.</summary>
public interface IMarketDataActivities
{
    [Activity("BackfillChunk")]
    Task<BackfillChunkResult> BackfillChunkAsync(BackfillChunkInput input);
}

/// <summary>Hyperparameters of one training run; everything else comes from the request.</summary>
public sealed record TrainingHyperparameters(int MaxEpochs = 4, int Patience = 2, int HiddenSize = 64, double LearningRate = 1e-3, int Seed = 42);

/// <param name="FeatureSpecJson">The feature spec to train on (FeatureSpec JSON); null: the built-in paper-hourly spec.</param>
public sealed record TrainModelInput(
    string ModelName,
    string Kind,
    string ExperimentName,
    string TradedSymbol,
    DateTimeOffset TrainFrom,
    DateTimeOffset TrainTo,
    DateTimeOffset ValidateFrom,
    DateTimeOffset ValidateTo,
    decimal FeeRate,
    TrainingHyperparameters Hyperparameters,
    string? FeatureSpecJson = null);

/// <summary>A trained and registered candidate.</summary>
/// <param name="ResumedAfterEpoch">When an earlier attempt died, the epoch its checkpoint had completed (0: none).</param>
public sealed record TrainModelResult(string Kind, string RunId, string ModelName, string Version, string ValidationMetric, double ValidationScore, int Epochs, int BestEpoch, int ResumedAfterEpoch = 0);

public interface ITrainingActivities
{
    /// <summary>Trains one network kind, tracks it as an MLflow run and registers the model version. Heartbeats progress.</summary>
    [Activity("TrainModel")]
    Task<TrainModelResult> TrainModelAsync(TrainModelInput input);
}

public sealed record SetAliasInput(string ModelName, string Alias, string Version);

public sealed record GetAliasInput(string ModelName, string Alias);

public sealed record TagVersionInput(string ModelName, string Version, IReadOnlyDictionary<string, string> Tags);

public interface IRegistryActivities
{
    [Activity("SetModelAlias")]
    Task SetAliasAsync(SetAliasInput input);

    /// <summary>The version an alias points at, or null when the alias is not set.</summary>
    [Activity("GetModelAlias")]
    Task<string?> GetAliasAsync(GetAliasInput input);

    [Activity("TagModelVersion")]
    Task TagVersionAsync(TagVersionInput input);
}

public sealed record EvaluateGateInput(
    string ModelName,
    string ChallengerVersion,
    string? ChampionVersion,
    IReadOnlyList<string> CandidateVersions,
    string TradedSymbol,
    DateTimeOffset From,
    DateTimeOffset To,
    decimal FeeRate,
    PromotionThresholds Thresholds);

/// <summary>The gate's verdict with the numbers of both models (their per-hour returns stay in the activity).</summary>
public sealed record GateResult(GateDecision Decision, CandidateSummary Challenger, CandidateSummary? Champion);

public sealed record CandidateSummary(string Version, double Sharpe, double MaxDrawdownPct, int Trades, double FinalProfit);

public sealed record AuditEntry(DateTimeOffset Time, string WorkflowId, string Action, string ModelName, string? Version, string? Actor, string? Reason, IReadOnlyDictionary<string, string> Details);

public interface IPromotionActivities
{
    /// <summary>Backtests champion and challenger on the same out-of-sample range with fees and applies the gate.</summary>
    [Activity("EvaluatePromotionGate")]
    Task<GateResult> EvaluateGateAsync(EvaluateGateInput input);

    /// <summary>Appends to the audit log (idempotent per workflow id and action).</summary>
    [Activity("RecordAudit")]
    Task RecordAuditAsync(AuditEntry entry);
}
