namespace Platform.Domain.Execution;

/// <summary>
/// Durable record of trading: decisions, order intents, exchange orders, fills, positions, equity, risk and
/// kill-switch events. Every write is idempotent under its natural key, so replaying a stream of writes after a crash
/// changes nothing:
/// <list type="bullet">
/// <item>insert-or-ignore: decisions (decision id; also one per model, symbol and open time), intents (client order id),
/// fills (mode, symbol, trade id), equity snapshots (mode, symbol, time), risk and kill-switch events (event id).
/// Re-inserting the same key with different content is a <see cref="TradingStoreConflictException"/>, never a silent
/// overwrite.</item>
/// <item>newest-wins upserts: orders (client order id) and positions (mode, symbol) by their <c>UpdatedAt</c>.</item>
/// <item>intent status moves follow <see cref="IntentLifecycle"/>; repeating the current status is a no-op.</item>
/// </list>
/// Writes return true when they changed the store. Times are kept to the microsecond; money and quantities exactly.
/// </summary>
public interface ITradingStore : IAsyncDisposable
{
    Task<bool> RecordDecisionAsync(TradingDecision decision, CancellationToken cancellationToken = default);

    Task<bool> CreateIntentAsync(OrderIntent intent, CancellationToken cancellationToken = default);

    /// <summary>Moves an intent to <paramref name="status"/>; false when it already was there; throws for an unknown id or a move the lifecycle forbids.</summary>
    Task<bool> UpdateIntentStatusAsync(string clientOrderId, IntentStatus status, DateTimeOffset at, string? detail = null, CancellationToken cancellationToken = default);

    Task<bool> UpsertOrderAsync(ExchangeOrder order, CancellationToken cancellationToken = default);

    Task<bool> RecordFillAsync(OrderFill fill, CancellationToken cancellationToken = default);

    Task<bool> UpsertPositionAsync(TradingPosition position, CancellationToken cancellationToken = default);

    Task<bool> RecordEquityAsync(EquitySnapshot snapshot, CancellationToken cancellationToken = default);

    Task<bool> RecordRiskEventAsync(RiskEvent riskEvent, CancellationToken cancellationToken = default);

    Task<bool> RecordKillSwitchAsync(KillSwitchEvent killSwitchEvent, CancellationToken cancellationToken = default);

    Task<TradingDecision?> GetDecisionAsync(string decisionId, CancellationToken cancellationToken = default);

    Task<OrderIntent?> GetIntentAsync(string clientOrderId, CancellationToken cancellationToken = default);

    /// <summary>Intents not yet filled, rejected or reconciled, oldest first: what a restart must reconcile with the exchange.</summary>
    Task<IReadOnlyList<OrderIntent>> GetUnfinishedIntentsAsync(TradingMode? mode = null, CancellationToken cancellationToken = default);

    /// <summary>Orders matching <paramref name="query"/>, oldest first.</summary>
    Task<IReadOnlyList<ExchangeOrder>> GetOrdersAsync(OrderQuery query, CancellationToken cancellationToken = default);

    Task<ExchangeOrder?> GetOrderAsync(string clientOrderId, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<OrderFill>> GetFillsAsync(string clientOrderId, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<TradingPosition>> GetPositionsAsync(TradingMode? mode = null, CancellationToken cancellationToken = default);

    /// <summary>Snapshots in [<paramref name="start"/>, <paramref name="until"/>), oldest first.</summary>
    Task<IReadOnlyList<EquitySnapshot>> GetEquityAsync(TradingMode mode, string symbol, DateTimeOffset start, DateTimeOffset until, CancellationToken cancellationToken = default);

    /// <summary>The newest kill-switch event (engaged or lifted), or null when it was never touched.</summary>
    Task<KillSwitchEvent?> GetKillSwitchAsync(CancellationToken cancellationToken = default);

    /// <summary>The most recent risk events, newest first.</summary>
    Task<IReadOnlyList<RiskEvent>> GetRiskEventsAsync(int limit, DateTimeOffset? from = null, CancellationToken cancellationToken = default);
}

/// <summary>Which orders to list: created at or after <see cref="From"/>, optionally one mode and symbol, at most <see cref="Limit"/>.</summary>
public sealed record OrderQuery(DateTimeOffset From, TradingMode? Mode = null, string? Symbol = null, int Limit = 1000);

/// <summary>A write under an existing key with different content: a bug upstream, never silently resolved.</summary>
public sealed class TradingStoreConflictException : Exception
{
    public TradingStoreConflictException()
    {
    }

    public TradingStoreConflictException(string message)
        : base(message)
    {
    }

    public TradingStoreConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
