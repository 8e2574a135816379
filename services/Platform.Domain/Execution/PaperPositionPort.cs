using Platform.Domain.Trading;

namespace Platform.Domain.Execution;

/// <summary>
/// The position port of paper trading: every decision is booked at its bar's close in one in-process
/// <see cref="TradingSession"/> — the backtest's sizing, fill model, fees and <see cref="Account"/> — so a paper run
/// and a backtest of the same bars hold the same record. Each decision closes its bar (a hold too, which records the
/// bar's equity). Idempotent by decision id; a decision for a bar at or before the last one booked is refused.
/// </summary>
public sealed class PaperPositionPort : IPositionPort
{
    private readonly Dictionary<string, DecisionOutcome> outcomes = new(StringComparer.Ordinal);
    private readonly Lock gate = new();

    public PaperPositionPort(TradingOptions options)
    {
        Session = new TradingSession(options);
    }

    public TradingSession Session { get; }

    public Task<PositionSnapshot> PositionBeforeAsync(string symbol, DateTimeOffset openTime, CancellationToken cancellationToken = default)
    {
        CheckSymbol(symbol);
        lock (gate)
        {
            var account = Session.Account;
            return Task.FromResult(new PositionSnapshot(symbol, account.OpenLots, account.Quantity, account.Cash, openTime));
        }
    }

    public Task<DecisionOutcome> ExecuteAsync(TradingDecision decision, decimal closePrice, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(decision);
        CheckSymbol(decision.Symbol);
        lock (gate)
        {
            if (outcomes.TryGetValue(decision.DecisionId, out var known))
            {
                return Task.FromResult(known);
            }

            var step = Session.Close(decision.OpenTime, closePrice, decision.Action);
            var outcome = new DecisionOutcome(
                decision.DecisionId,
                step.Trade,
                step.Trade is null && decision.Action != TradeAction.Hold ? Session.NoOrderReason(decision.Action) : null);
            outcomes[decision.DecisionId] = outcome;
            return Task.FromResult(outcome);
        }
    }

    /// <summary>Fills the published decisions again at their bars' closes: the account is what it was when they were made.</summary>
    public async Task RestoreAsync(IReadOnlyList<TradingDecision> published, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(published);
        foreach (var decision in published)
        {
            var close = decision.BarClose ?? throw new InvalidRequestException($"Decision {decision.DecisionId} does not say the bar close it acted at (a v1 record); the paper account cannot be restored from it.");
            await ExecuteAsync(decision, close, cancellationToken).ConfigureAwait(false);
        }
    }

    private void CheckSymbol(string symbol)
    {
        if (!string.Equals(symbol, Session.Options.Symbol, StringComparison.Ordinal))
        {
            throw new InvalidRequestException($"This paper account trades {Session.Options.Symbol}, not {symbol}.");
        }
    }
}
