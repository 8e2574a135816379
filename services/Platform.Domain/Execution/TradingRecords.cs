using Platform.Domain.Trading;

namespace Platform.Domain.Execution;

/// <summary>Where orders go: the simulator (default), Binance's testnet, or the live exchange. On every record.</summary>
public enum TradingMode
{
    Paper,
    Testnet,
    Live,
}

/// <summary>
/// One decision of a model for one bar, as the decision service published it. Idempotent by <see cref="DecisionId"/>
/// and by (model name, symbol, open time): one model decides each bar of a symbol once.
/// </summary>
public sealed record TradingDecision(
    string DecisionId,
    string ModelName,
    string ModelVersion,
    string RunId,
    string SpecHash,
    string Symbol,
    DateTimeOffset OpenTime,
    IReadOnlyList<double> QValues,
    TradeAction Action,
    decimal PositionBefore,
    DateTimeOffset DecidedAt)
{
    /// <summary>The bar's close the decision acts at (a paper account fills there); null when the publisher did not say.</summary>
    public decimal? BarClose { get; init; }
}

/// <summary>
/// Life of an order intent: created (stored before anything is sent) → sent → acknowledged / filled / rejected /
/// unknown (a 5XX or timeout after sending) → reconciled (the exchange was asked what became of it), or sent again
/// when the exchange says it never received it.
/// </summary>
public enum IntentStatus
{
    Created,
    Sent,
    Acknowledged,
    Filled,
    Rejected,
    Unknown,
    Reconciled,
}

/// <summary>
/// What the execution service means to do for a decision, stored under a client order id derived from the decision id
/// before the order is sent, so a restart finds it and a resend reuses the same id (the exchange rejects duplicates).
/// </summary>
public sealed record OrderIntent(
    string ClientOrderId,
    string DecisionId,
    TradingMode Mode,
    string Symbol,
    TradeSide Side,
    decimal Quantity,
    IntentStatus Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? Detail = null)
{
    /// <summary>A new intent for a decision: status created, client order id from <see cref="ClientOrderIds.FromDecision"/>.</summary>
    public static OrderIntent Create(string decisionId, TradingMode mode, string symbol, TradeSide side, decimal quantity, DateTimeOffset at) =>
        new(ClientOrderIds.FromDecision(decisionId), decisionId, mode, symbol, side, quantity, IntentStatus.Created, at, at);

    /// <summary>Not yet known to be over: reconciliation asks the exchange about each of these.</summary>
    public bool IsUnfinished => !IntentLifecycle.IsFinal(Status);
}

/// <summary>Which intent status may follow which; the store refuses every other move.</summary>
public static class IntentLifecycle
{
    public static bool IsFinal(IntentStatus status) => status is IntentStatus.Filled or IntentStatus.Rejected or IntentStatus.Reconciled;

    public static bool CanMove(IntentStatus from, IntentStatus to) => (from, to) switch
    {
        (IntentStatus.Created, IntentStatus.Sent or IntentStatus.Rejected or IntentStatus.Unknown) => true,
        (IntentStatus.Sent, IntentStatus.Acknowledged or IntentStatus.Filled or IntentStatus.Rejected or IntentStatus.Unknown) => true,
        (IntentStatus.Acknowledged, IntentStatus.Filled or IntentStatus.Rejected or IntentStatus.Unknown) => true,
        (IntentStatus.Unknown, IntentStatus.Reconciled) => true,

        // Resent under the same client order id, only after the exchange said it never received the first.
        (IntentStatus.Unknown, IntentStatus.Sent) => true,
        _ => false,
    };
}

public enum OrderType
{
    Market,
    Limit,
}

/// <summary>Binance's order statuses (spot).</summary>
public enum ExchangeOrderStatus
{
    New,
    PartiallyFilled,
    Filled,
    Canceled,
    PendingCancel,
    Rejected,
    Expired,
}

/// <summary>
/// An order as the exchange reported it. <see cref="UpdatedAt"/> orders the reports: the store keeps the newest, so
/// replaying an older or the same report changes nothing.
/// </summary>
public sealed record ExchangeOrder(
    TradingMode Mode,
    string Symbol,
    long ExchangeOrderId,
    string ClientOrderId,
    TradeSide Side,
    OrderType Type,
    ExchangeOrderStatus Status,
    decimal? LimitPrice,
    decimal OriginalQuantity,
    decimal ExecutedQuantity,
    decimal CumulativeQuoteQuantity,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>Average fill price, when anything filled.</summary>
    public decimal? AveragePrice => ExecutedQuantity > 0 ? CumulativeQuoteQuantity / ExecutedQuantity : null;
}

/// <summary>One execution of an order (Binance's trade, from the FULL order response or <c>myTrades</c>).</summary>
public sealed record OrderFill(
    TradingMode Mode,
    string Symbol,
    long TradeId,
    long ExchangeOrderId,
    string ClientOrderId,
    TradeSide Side,
    decimal Price,
    decimal Quantity,
    decimal Commission,
    string CommissionAsset,
    DateTimeOffset Time);

/// <summary>The stored position in one symbol; the newest <see cref="UpdatedAt"/> wins.</summary>
public sealed record TradingPosition(
    TradingMode Mode,
    string Symbol,
    decimal Quantity,
    decimal AverageEntryPrice,
    decimal RealizedPnl,
    DateTimeOffset UpdatedAt);

/// <summary>Account value at one time, for one traded symbol's account.</summary>
public sealed record EquitySnapshot(
    TradingMode Mode,
    string Symbol,
    DateTimeOffset Time,
    decimal Cash,
    decimal PositionQuantity,
    decimal MarkPrice,
    decimal Equity);

public enum RiskVerdict
{
    Allowed,
    Rejected,
    Halted,
}

/// <summary>
/// One verdict of a risk rule: which rule, what it saw versus its limit, and why. <see cref="EventId"/> is chosen by the
/// guard so that re-evaluating the same order yields the same id (e.g. client order id + rule).
/// </summary>
public sealed record RiskEvent(
    string EventId,
    TradingMode Mode,
    string Symbol,
    DateTimeOffset Time,
    string Rule,
    RiskVerdict Verdict,
    string Reason,
    decimal? ObservedValue,
    decimal? LimitValue,
    string? DecisionId = null,
    string? ClientOrderId = null);

/// <summary>An audited change of the kill switch; only a person lifts it, so <see cref="By"/> is required.</summary>
public sealed record KillSwitchEvent(
    string EventId,
    bool Engaged,
    string By,
    string Reason,
    DateTimeOffset Time);
