using Platform.Domain.Trading;

namespace Platform.Domain.Execution;

/// <summary>The position a decision is taken from: open lots (what the Q-network sees), base quantity and cash.</summary>
public sealed record PositionSnapshot(string Symbol, int OpenLots, decimal Quantity, decimal Cash, DateTimeOffset AsOf);

/// <summary>What became of a decision at the venue: the trade booked (null for hold, a rejection or nothing to do) and why not.</summary>
public sealed record DecisionOutcome(string DecisionId, Trade? Trade, string? NotExecutedReason = null);

/// <summary>
/// The decision service's view of the account. It asks <see cref="PositionBeforeAsync"/> before deciding a bar and
/// hands each decision to <see cref="ExecuteAsync"/>. The paper port (issue: streaming decisions) fills at the bar's close
/// in-process with the backtest's <see cref="Account"/>; the execution service's port sends orders to an exchange and
/// answers from the stored fills. Either way the position of bar T reflects every decision before T — a port must wait
/// (or fail) rather than answer with a stale position, or live and backtest would diverge.
/// </summary>
public interface IPositionPort
{
    /// <summary>The position to decide the bar that opened at <paramref name="openTime"/> from.</summary>
    Task<PositionSnapshot> PositionBeforeAsync(string symbol, DateTimeOffset openTime, CancellationToken cancellationToken = default);

    /// <summary>Acts on a decision at the bar's close price (the last kline's close); idempotent by decision id.</summary>
    Task<DecisionOutcome> ExecuteAsync(TradingDecision decision, decimal closePrice, CancellationToken cancellationToken = default);

    /// <summary>
    /// At a decision service's restart: the decisions it published before, oldest first. A port that keeps no record of
    /// its own (the paper account) replays them; one that does (the execution service's store) may ignore them.
    /// </summary>
    Task RestoreAsync(IReadOnlyList<TradingDecision> published, CancellationToken cancellationToken = default);
}
