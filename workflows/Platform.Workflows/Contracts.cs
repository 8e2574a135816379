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

/// <summary>What one attempt of the stream activity holds: a WebSocket kline stream of these symbols, produced to Kafka.</summary>
/// <param name="ExchangeUrl">A Binance-compatible server (the simulator) for REST and WebSocket; null: Binance itself.</param>
/// <param name="BackfillFrom">Where the gap backfill starts for a symbol the market store does not hold yet; null: streaming starts now.</param>
public sealed record MarketStreamActivityInput(
    string StreamId,
    IReadOnlyList<string> Symbols,
    string Interval,
    string? ExchangeUrl,
    DateTimeOffset? BackfillFrom,
    int StatusReportSeconds);

/// <summary>The stream's state as the activity last reported it (see <c>MarketStreamWorkflow.ReportStatus</c>).</summary>
public sealed record MarketStreamReport(
    bool Connected,
    IReadOnlyDictionary<string, DateTimeOffset> LastClosedOpenTime,
    double? LagSeconds,
    int Reconnects,
    long ClosedKlines,
    long BackfilledKlines,
    long DeadLettered,
    string? LastError,
    DateTimeOffset ReportedAt);

public interface IMarketStreamActivities
{
    /// <summary>
    /// Holds the stream until cancelled (it never completes on its own): gap backfill, WebSocket, every kline produced
    /// to Kafka. Heartbeats while running; reports its status to the workflow by signal.
    /// </summary>
    [Activity("RunMarketStream")]
    Task RunMarketStreamAsync(MarketStreamActivityInput input);
}

/// <summary>What the live decision activities run: the feature and decision services of one model alias and symbol.</summary>
/// <param name="Model">The registry alias (or a version or file) the decisions come from, e.g. <c>models:/btcusdt-dqn@champion</c>.</param>
/// <param name="TradeFrom">Rows before this open time only warm the windows; null: from the first row published.</param>
/// <param name="ModelVersion">The version a swap signal asked for (null: what <paramref name="Model"/> names when loaded).</param>
public sealed record LiveDecisionActivityInput(
    string WorkflowId,
    string Model,
    string Symbol,
    DateTimeOffset? TradeFrom,
    string? ModelVersion,
    int StatusReportSeconds);

/// <summary>The decision service's state as its activity last reported it.</summary>
public sealed record LiveDecisionReport(
    DateTimeOffset? LastRow,
    string? LastDecisionId,
    string? LastAction,
    string ModelVersion,
    long Decisions,
    int Swaps,
    double? LagSeconds,
    DateTimeOffset ReportedAt);

public interface ILiveDecisionActivities
{
    /// <summary>Runs the feature service of the model's spec until cancelled; heartbeats while running.</summary>
    [Activity("RunFeatureService")]
    Task RunFeatureServiceAsync(LiveDecisionActivityInput input);

    /// <summary>
    /// Runs the decision service until cancelled; heartbeats, follows the workflow's requested version (a swap is applied
    /// before the next row) and reports its status to the workflow by signal.
    /// </summary>
    [Activity("RunDecisionService")]
    Task RunDecisionServiceAsync(LiveDecisionActivityInput input);
}

/// <summary>What the trading activity runs: the decision service of one model alias and symbol, with orders to the exchange.</summary>
/// <param name="Mode">paper (the simulator), testnet or live.</param>
/// <param name="Exchange">The exchange's REST base; null: the mode's default (testnet, api.binance.com).</param>
/// <param name="ConfirmAccount">Live only: the account id (Binance uid) the operator confirmed; a different account is refused.</param>
public sealed record TradingActivityInput(
    string WorkflowId,
    string Model,
    string Symbol,
    string Mode,
    string? Exchange,
    string? ConfirmAccount,
    DateTimeOffset? TradeFrom,
    string? ModelVersion,
    int StatusReportSeconds);

/// <summary>The trading service's state as its activity last reported it.</summary>
/// <param name="Halted">Why trading halted (a risk rule or reconciliation), or null.</param>
/// <param name="RollingSharpe">Annualised Sharpe ratio of the last week of hourly equity, once a week of bars is in.</param>
public sealed record TradingReport(
    string Mode,
    DateTimeOffset? LastRow,
    string ModelVersion,
    long Decisions,
    decimal Position,
    decimal Equity,
    decimal RealizedPnl,
    int OrdersSent,
    int Fills,
    int RiskRejections,
    string? LastOrder,
    string? Halted,
    bool KillSwitchEngaged,
    double? RollingSharpe,
    DateTimeOffset ReportedAt);

/// <summary>An operator's change of the kill switch: who and why are required.</summary>
public sealed record KillSwitchChange(bool Engage, string By, string Reason);

public interface ITradingActivities
{
    /// <summary>
    /// Runs the decision service with the execution service as its position port until cancelled: orders to the exchange
    /// behind the risk guard, every record in the trading store. Heartbeats; reports its status to the workflow by signal.
    /// </summary>
    [Activity("RunTradingService")]
    Task RunTradingServiceAsync(TradingActivityInput input);

    /// <summary>Engages or lifts the kill switch in the trading store (audited); engaging also cancels open orders at the next decision.</summary>
    [Activity("SetKillSwitch")]
    Task<bool> SetKillSwitchAsync(KillSwitchChange change);
}
