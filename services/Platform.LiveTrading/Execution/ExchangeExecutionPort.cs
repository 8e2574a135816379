using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Domain;
using Platform.Domain.Execution;
using Platform.Domain.Trading;

namespace Platform.LiveTrading.Execution;

/// <summary>
/// The execution service: the decision service's position port when orders go to an exchange. Each decision is sized by
/// the backtest's <see cref="TradingSession"/> (sizing, step rounding, minimum notional, FIFO lots); the order intent is
/// stored under the client order id derived from the decision id before anything is sent; the <see cref="RiskGuard"/>
/// judges it (every verdict stored; a halt engages the kill switch); the MARKET order goes out with that id; the
/// exchange's fills are stored and booked in the session's <see cref="Account"/>, so the position the next bar is decided
/// from is the exchange's. Nothing is sent twice: a 5XX or timeout after sending (status unknown) is resolved by querying
/// the client order id, and a restart finds every intent in the store and asks the exchange what became of it.
/// Reconciliation (at start and every few bars) compares the exchange's balance with the stored position and halts on a
/// mismatch. When the exchange replays a market (the simulator), its clock is released after each bar.
/// </summary>
public sealed class ExchangeExecutionPort : IPositionPort, IDisposable
{
    public const string ReconciliationRule = "reconciliation";

    private static readonly ActivitySource Source = new("Platform.Execution");
    private static readonly Meter Meter = new("Platform.Execution");
    private static readonly Counter<long> OrdersCounter = Meter.CreateCounter<long>("platform.execution.orders", "{order}", "Orders sent to the exchange, by mode and side");
    private static readonly Counter<long> FillsCounter = Meter.CreateCounter<long>("platform.execution.fills", "{fill}", "Fills stored, by mode");
    private static readonly Counter<long> UnknownCounter = Meter.CreateCounter<long>("platform.execution.status_unknown", "{order}", "Orders whose fate was unknown after sending");
    private static readonly Histogram<double> DecisionToFill = Meter.CreateHistogram<double>("platform.execution.decision_to_fill", "ms", "From the decision to its fill stored");
    private static readonly ConcurrentDictionary<ExchangeExecutionPort, byte> Running = new();

    // The account's state as gauges, one series per running execution service (mode, symbol).
    private static readonly ObservableGauge<double> EquityGauge = Meter.CreateObservableGauge("platform.execution.equity", () => Observe(p => (double)p.LastEquity), "{quote}", "Account equity at the last bar's close");
    private static readonly ObservableGauge<double> PositionGauge = Meter.CreateObservableGauge("platform.execution.position", () => Observe(p => (double)p.Session.Account.Quantity), "{base}", "Base quantity held");
    private static readonly ObservableGauge<double> PnlGauge = Meter.CreateObservableGauge("platform.execution.realized_pnl", () => Observe(p => (double)p.Session.Account.RealizedPnl), "{quote}", "Realized profit and loss");
    private static readonly ObservableGauge<int> KillSwitchGauge = Meter.CreateObservableGauge("platform.execution.kill_switch", () => Observe(p => p.killSwitchEngaged ? 1 : 0), "{state}", "1 while the kill switch is engaged (as last read)");
    private static readonly ObservableGauge<int> HaltedGauge = Meter.CreateObservableGauge("platform.execution.halted", () => Observe(p => p.halted is null ? 0 : 1), "{state}", "1 once a risk rule or reconciliation halted trading");

    private readonly ITradingStore store;
    private readonly IOrderGateway gateway;
    private readonly ExecutionOptions options;
    private readonly IMarketClockHold? clock;
    private readonly RiskGuard guard;
    private readonly StoredKillSwitch killSwitch;
    private readonly ILogger logger;
    private readonly TimeProvider time;
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly Dictionary<string, DecisionOutcome> outcomes = new(StringComparer.Ordinal);
    private readonly Queue<DateTimeOffset> recentOrderBars = new();
    private readonly HashSet<string> booked = new(StringComparer.Ordinal);
    private decimal peakEquity;
    private decimal dayStartEquity;
    private long day = long.MinValue;
    private int barsSinceReconcile;
    private string? cancelledFor;
    private int decisions;
    private int ordersSent;
    private int fills;
    private int riskRejections;
    private int exchangeRejections;
    private int unknown;
    private int resent;
    private int reconciliations;
    private string? halted;
    private bool killSwitchEngaged;

    public ExchangeExecutionPort(TradingOptions trading, ITradingStore store, IOrderGateway gateway, ExecutionOptions options, IMarketClockHold? clock = null, ILogger<ExchangeExecutionPort>? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(trading);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.store = store ?? throw new ArgumentNullException(nameof(store));
        this.gateway = gateway ?? throw new ArgumentNullException(nameof(gateway));
        if (gateway.Mode != options.Mode)
        {
            throw new InvalidRequestException($"The exchange adapter trades in {gateway.Mode} mode, the execution service was configured for {options.Mode}.");
        }

        this.options = options;
        this.clock = clock;
        this.logger = logger ?? (ILogger)NullLogger.Instance;
        time = timeProvider ?? TimeProvider.System;
        guard = new RiskGuard(options.Limits);
        killSwitch = new StoredKillSwitch(store, time);
        Session = new TradingSession(trading);
        peakEquity = trading.InitialCash;
        dayStartEquity = trading.InitialCash;
        Running[this] = 0;
    }

    /// <summary>The account as the exchange's fills made it, bar by bar: the paper run's report is built from it.</summary>
    public TradingSession Session { get; }

    public TradingMode Mode => options.Mode;

    public ExecutionStats Stats => new(decisions, ordersSent, fills, riskRejections, exchangeRejections, unknown, resent, reconciliations, halted);

    public void Dispose()
    {
        Running.TryRemove(this, out _);
        gate.Dispose();
    }

    private decimal LastEquity => Session.EquityCurve.Length > 0 ? Session.EquityCurve[^1] : Session.Options.InitialCash;

    private static IEnumerable<Measurement<T>> Observe<T>(Func<ExchangeExecutionPort, T> value)
        where T : struct =>
        Running.Keys.Select(p => new Measurement<T>(value(p), Tag("mode", Name(p.options.Mode)), Tag("symbol", p.Session.Options.Symbol)));

    public Task<PositionSnapshot> PositionBeforeAsync(string symbol, DateTimeOffset openTime, CancellationToken cancellationToken = default)
    {
        CheckSymbol(symbol);
        var account = Session.Account;
        return Task.FromResult(new PositionSnapshot(symbol, account.OpenLots, account.Quantity, account.Cash, openTime));
    }

    /// <summary>
    /// Rebuilds the account from the decisions published before a restart, each with what the store says became of its
    /// intent (asking the exchange about any still unfinished), then reconciles with the exchange.
    /// </summary>
    public async Task RestoreAsync(IReadOnlyList<TradingDecision> published, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(published);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var decision in published.Where(d => !(d.OpenTime <= Session.LastBar)))
            {
                CheckSymbol(decision.Symbol);
                var close = decision.BarClose ?? throw new InvalidRequestException($"Decision {decision.DecisionId} does not say the bar close it acted at (a v1 record); the account cannot be restored from it.");
                var clientOrderId = ClientOrderIds.FromDecision(decision.DecisionId);
                Fill? fill = null;
                if (await store.GetIntentAsync(clientOrderId, cancellationToken).ConfigureAwait(false) is { } intent)
                {
                    var report = intent.IsUnfinished
                        ? await ResolveAsync(intent, cancellationToken).ConfigureAwait(false)
                        : await StoredReportAsync(clientOrderId, cancellationToken).ConfigureAwait(false);
                    fill = report is null ? null : AsFill(report, decision, close, intent.Quantity);
                }

                BookBar(decision, close, fill);
                outcomes[decision.DecisionId] = new DecisionOutcome(decision.DecisionId, Session.Trades.Count > 0 && fill is not null ? Session.Trades[^1] : null);
            }

            // Intents of decisions not published yet (the service stopped between sending and publishing): their fate is
            // stored now, and the redelivered decision books it without sending again.
            foreach (var intent in await store.GetUnfinishedIntentsAsync(options.Mode, cancellationToken).ConfigureAwait(false))
            {
                if (intent.Symbol == Session.Options.Symbol)
                {
                    await ResolveAsync(intent, cancellationToken).ConfigureAwait(false);
                }
            }

            await ReconcileAsync(atStart: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// After the whole process stopped (nothing published survives, e.g. an embedded broker): rebuilds the account from
    /// the trading store alone — each bar's equity snapshot gives its close, the decision id of <paramref name="modelName"/>
    /// for that bar its stored decision and intent — then reconciles as <see cref="RestoreAsync"/> does.
    /// </summary>
    public async Task RestoreFromStoreAsync(string modelName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelName);
        var symbol = Session.Options.Symbol;
        var bars = await store.GetEquityAsync(options.Mode, symbol, DateTimeOffset.UnixEpoch, DateTimeOffset.MaxValue.AddYears(-1), cancellationToken).ConfigureAwait(false);
        var decided = new List<TradingDecision>(bars.Count);
        foreach (var bar in bars)
        {
            var openTime = bar.Time - options.Interval.Length;
            var id = LiveDecisionLoop.DecisionId(modelName, symbol, openTime);
            var decision = await store.GetDecisionAsync(id, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidRequestException($"The trading store has the equity of {symbol} at {bar.Time:u} but no decision {id}: it holds another model's account ({modelName} cannot resume it).");
            decided.Add(decision with { BarClose = bar.MarkPrice });
        }

        await RestoreAsync(decided, cancellationToken).ConfigureAwait(false);
    }

    public async Task<DecisionOutcome> ExecuteAsync(TradingDecision decision, decimal closePrice, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(decision);
        CheckSymbol(decision.Symbol);
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (outcomes.TryGetValue(decision.DecisionId, out var known))
            {
                return known;
            }

            if (decision.OpenTime <= Session.LastBar)
            {
                throw new InvalidOperationException($"Decision {decision.DecisionId} is for bar {decision.OpenTime:u}, at or before the last bar booked ({Session.LastBar:u}).");
            }

            decisions++;
            await RecordDecisionAsync(decision, cancellationToken).ConfigureAwait(false);
            var killSwitch = await store.GetKillSwitchAsync(cancellationToken).ConfigureAwait(false);
            killSwitchEngaged = killSwitch is { Engaged: true };
            await CancelOpenOrdersIfKilledAsync(killSwitch, cancellationToken).ConfigureAwait(false);
            var (fill, notExecuted) = Session.Size(decision.Action, closePrice) is { } order
                ? await ExecuteOrderAsync(decision, order, closePrice, killSwitch, cancellationToken).ConfigureAwait(false)
                : (null, decision.Action == TradeAction.Hold ? null : Session.NoOrderReason(decision.Action));
            var step = BookBar(decision, closePrice, fill);
            await RecordBarAsync(decision, closePrice, step, cancellationToken).ConfigureAwait(false);
            if (step.Trade is not null)
            {
                DecisionToFill.Record((time.GetUtcNow() - decision.DecidedAt).TotalMilliseconds, Tag("mode", Name(options.Mode)));
            }

            if (++barsSinceReconcile >= options.ReconcileEveryBars)
            {
                await ReconcileAsync(atStart: false, cancellationToken).ConfigureAwait(false);
            }

            if (clock is not null)
            {
                await clock.DoneThroughAsync(decision.Symbol, decision.OpenTime, cancellationToken).ConfigureAwait(false);
            }

            var outcome = new DecisionOutcome(decision.DecisionId, step.Trade, notExecuted);
            outcomes[decision.DecisionId] = outcome;
            return outcome;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Stores the decision; one made again after a restart (same bar, model and position, a later time) is the stored
    /// one. A different action for the same bar means the restart did not rebuild what the first run saw: never papered over.
    /// </summary>
    private async Task RecordDecisionAsync(TradingDecision decision, CancellationToken cancellationToken)
    {
        try
        {
            await store.RecordDecisionAsync(decision, cancellationToken).ConfigureAwait(false);
            return;
        }
        catch (TradingStoreConflictException)
        {
            // Stored before, by an instance that stopped: compared below.
        }

        var stored = await store.GetDecisionAsync(decision.DecisionId, cancellationToken).ConfigureAwait(false);
        if (stored is null || stored.Action != decision.Action || stored.ModelVersion != decision.ModelVersion || stored.PositionBefore != decision.PositionBefore)
        {
            throw new TradingStoreConflictException($"Decision {decision.DecisionId} was stored as {stored?.Action} by v{stored?.ModelVersion} from position {stored?.PositionBefore}; decided again it is {decision.Action} by v{decision.ModelVersion} from {decision.PositionBefore}.");
        }
    }

    private async Task<(Fill? Fill, string? NotExecuted)> ExecuteOrderAsync(TradingDecision decision, SizedOrder order, decimal close, KillSwitchEvent? killSwitch, CancellationToken cancellationToken)
    {
        var clientOrderId = ClientOrderIds.FromDecision(decision.DecisionId);
        using var activity = Source.StartActivity("execute order");
        activity?.SetTag("trading.mode", Name(options.Mode));
        activity?.SetTag("order.client_order_id", clientOrderId);
        activity?.SetTag("order.side", order.Side.ToString().ToLowerInvariant());
        activity?.SetTag("order.quantity", order.Quantity.ToString(CultureInfo.InvariantCulture));
        activity?.SetTag("decision.id", decision.DecisionId);

        var intent = await store.GetIntentAsync(clientOrderId, cancellationToken).ConfigureAwait(false);
        if (intent is not null)
        {
            // A decision seen before this instance started: its intent says how far it got.
            if (intent.Status == IntentStatus.Rejected)
            {
                return (null, "rejected: " + intent.Detail);
            }

            var report = intent.IsUnfinished
                ? await ResolveAsync(intent, cancellationToken).ConfigureAwait(false)
                : await StoredReportAsync(clientOrderId, cancellationToken).ConfigureAwait(false);
            if (report is not null)
            {
                return Booked(report, decision, close, order.Quantity);
            }

            intent = await store.GetIntentAsync(clientOrderId, cancellationToken).ConfigureAwait(false) ?? intent;
            if (!intent.IsUnfinished)
            {
                return (null, $"{intent.Status.ToString().ToLowerInvariant()}: {intent.Detail}");
            }
        }
        else
        {
            intent = OrderIntent.Create(decision.DecisionId, options.Mode, decision.Symbol, order.Side, order.Quantity, time.GetUtcNow());
            await store.CreateIntentAsync(intent, cancellationToken).ConfigureAwait(false);
        }

        var assessment = await AssessAsync(intent, decision, close, killSwitch, cancellationToken).ConfigureAwait(false);
        activity?.SetTag("risk.allowed", assessment.Allowed);
        if (!assessment.Allowed)
        {
            riskRejections++;
            await MoveAsync(intent, IntentStatus.Rejected, "risk guard: " + assessment.Summary, cancellationToken).ConfigureAwait(false);
            if (assessment.Halted && assessment.Events.All(e => e.Rule != RiskGuard.KillSwitchRule || e.Verdict == RiskVerdict.Allowed))
            {
                await HaltAsync(assessment.Summary, cancellationToken).ConfigureAwait(false);
            }

            ExecutionLog.RiskRejected(logger, clientOrderId, decision.DecisionId, assessment.Summary);
            return (null, "risk guard: " + assessment.Summary);
        }

        var sent = await SendAsync(intent, cancellationToken).ConfigureAwait(false);

        // An allowed order's verdicts are stored once it is out: the audit is complete, and off the path to the exchange.
        await RecordVerdictsAsync(assessment, cancellationToken).ConfigureAwait(false);
        return sent.Report is { } placed ? Booked(placed, decision, close, order.Quantity) : (null, sent.Refusal);
    }

    /// <summary>Sends the intent's order until the exchange gives a definite answer: a report, or a refusal.</summary>
    private async Task<(OrderReport? Report, string? Refusal)> SendAsync(OrderIntent intent, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            // Created, or unknown and absent at the exchange (or sent already, when a restart resends): all may be sent.
            await store.UpdateIntentStatusAsync(intent.ClientOrderId, IntentStatus.Sent, time.GetUtcNow(), null, cancellationToken).ConfigureAwait(false);
            try
            {
                ordersSent++;
                OrdersCounter.Add(1, Tag("mode", Name(options.Mode)), Tag("side", intent.Side.ToString().ToLowerInvariant()));
                var report = await gateway.PlaceMarketOrderAsync(intent, cancellationToken).ConfigureAwait(false);
                await RecordReportAsync(intent, report, cancellationToken).ConfigureAwait(false);
                return (report, null);
            }
            catch (OrderRejectedException e) when (e.RetryAfter is { } wait && wait <= options.MaxRetryAfter && attempt < options.RateLimitedSends)
            {
                await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
            }
            catch (OrderRejectedException e)
            {
                if (e.DuplicateClientOrderId && await ResolveAsync(intent with { Status = IntentStatus.Sent }, cancellationToken).ConfigureAwait(false) is { } earlier)
                {
                    // An earlier send of this intent reached the exchange (its record was lost with the process): that is the order.
                    ExecutionLog.Duplicate(logger, intent.ClientOrderId, e.Message);
                    return (earlier, null);
                }

                exchangeRejections++;
                await MoveAsync(intent, IntentStatus.Rejected, "exchange: " + e.Message, cancellationToken).ConfigureAwait(false);
                ExecutionLog.ExchangeRejected(logger, intent.ClientOrderId, e.Message);
                return (null, "exchange refused: " + e.Message);
            }
            catch (OrderStatusUnknownException e)
            {
                unknown++;
                UnknownCounter.Add(1, Tag("mode", Name(options.Mode)));
                ExecutionLog.StatusUnknown(logger, intent.ClientOrderId, e.Message);
                await MoveAsync(intent, IntentStatus.Unknown, e.Message, cancellationToken).ConfigureAwait(false);
                if (await ResolveAsync(intent with { Status = IntentStatus.Unknown }, cancellationToken).ConfigureAwait(false) is { } found)
                {
                    return (found, null);
                }

                resent++;
                ExecutionLog.Resending(logger, intent.ClientOrderId, options.UnknownQueries);
            }
        }
    }

    /// <summary>
    /// Asks the exchange about an unfinished intent (a few times: a request may still be on its way) and stores the
    /// answer. Null: the exchange has no such order (the intent stays unfinished; its decision sends it again, same id).
    /// </summary>
    private async Task<OrderReport?> ResolveAsync(OrderIntent intent, CancellationToken cancellationToken)
    {
        var queries = intent.Status == IntentStatus.Created ? 1 : options.UnknownQueries;
        var wait = options.UnknownQueryBackoff;
        for (var query = 1; query <= queries; query++)
        {
            try
            {
                if (await gateway.GetOrderAsync(intent.Symbol, intent.ClientOrderId, cancellationToken).ConfigureAwait(false) is { } report)
                {
                    await RecordReportAsync(intent, report, cancellationToken).ConfigureAwait(false);
                    return report;
                }
            }
            catch (OrderStatusUnknownException e)
            {
                ExecutionLog.QueryFailed(logger, intent.ClientOrderId, e.Message);
            }

            if (query < queries)
            {
                await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
                wait *= 2;
            }
        }

        return null;
    }

    private async Task RecordReportAsync(OrderIntent intent, OrderReport report, CancellationToken cancellationToken)
    {
        using var span = Source.StartActivity("store fills");
        span?.SetTag("trading.mode", Name(options.Mode));
        span?.SetTag("order.client_order_id", intent.ClientOrderId);
        span?.SetTag("order.status", report.Order.Status.ToString().ToLowerInvariant());
        span?.SetTag("order.fills", report.Fills.Count);
        await store.UpsertOrderAsync(report.Order, cancellationToken).ConfigureAwait(false);
        foreach (var fill in report.Fills)
        {
            if (await store.RecordFillAsync(fill, cancellationToken).ConfigureAwait(false))
            {
                fills++;
                FillsCounter.Add(1, Tag("mode", Name(options.Mode)));
            }
        }

        var current = await store.GetIntentAsync(intent.ClientOrderId, cancellationToken).ConfigureAwait(false) ?? intent;
        var final = report.Order.Status switch
        {
            ExchangeOrderStatus.Filled => current.Status == IntentStatus.Unknown ? IntentStatus.Reconciled : IntentStatus.Filled,
            ExchangeOrderStatus.Canceled or ExchangeOrderStatus.Rejected or ExchangeOrderStatus.Expired when report.Order.ExecutedQuantity == 0 =>
                current.Status == IntentStatus.Unknown ? IntentStatus.Reconciled : IntentStatus.Rejected,
            _ => (IntentStatus?)null,
        };
        if (final is { } status)
        {
            await MoveAsync(current, status, $"exchange order {report.Order.ExchangeOrderId} {report.Order.Status}", cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // A MARKET order partly filled (or still open): the lot rules cannot book part of it — a person decides.
            await HaltAsync($"order {intent.ClientOrderId} is {report.Order.Status} with {report.Order.ExecutedQuantity} of {report.Order.OriginalQuantity} executed", cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<OrderReport?> StoredReportAsync(string clientOrderId, CancellationToken cancellationToken) =>
        await store.GetOrderAsync(clientOrderId, cancellationToken).ConfigureAwait(false) is { } order
            ? new OrderReport(order, await store.GetFillsAsync(clientOrderId, cancellationToken).ConfigureAwait(false))
            : null;

    private (Fill? Fill, string? NotExecuted) Booked(OrderReport report, TradingDecision decision, decimal close, decimal intended) =>
        report.Order.Status == ExchangeOrderStatus.Filled && AsFill(report, decision, close, intended) is { } fill
            ? (fill, null)
            : (null, $"exchange order {report.Order.ExchangeOrderId} {report.Order.Status}");

    /// <summary>
    /// The report as the account's fill. A price equal to the fill model's, and a quantity equal to the one sized, are
    /// taken in our representation (the same values; the exchange writes fewer trailing zeros), so a paper report is
    /// byte-equal to its backtest's.
    /// </summary>
    private Fill? AsFill(OrderReport report, TradingDecision decision, decimal close, decimal intended)
    {
        if (report.AsFill(decision.OpenTime, close) is not { } fill)
        {
            return null;
        }

        var modelled = Session.Fills.ExpectedPrice(fill.Side, close);
        return fill with
        {
            Price = fill.Price == modelled ? modelled : fill.Price,
            Quantity = fill.Quantity == intended ? intended : fill.Quantity,
        };
    }

    private async Task<RiskAssessment> AssessAsync(OrderIntent intent, TradingDecision decision, decimal close, KillSwitchEvent? killSwitch, CancellationToken cancellationToken)
    {
        // The price and the filters in one round trip's time: both are reads, and the order waits on them.
        var lastPrice = gateway.GetLastPriceAsync(intent.Symbol, cancellationToken);
        var filters = gateway.CheckFiltersAsync(intent.Symbol, intent.Side, intent.Quantity, close, cancellationToken);
        await Task.WhenAll(lastPrice, filters).ConfigureAwait(false);
        var last = await lastPrice.ConfigureAwait(false);
        var expected = Session.Fills.ExpectedPrice(intent.Side, last);
        var filterProblem = await filters.ConfigureAwait(false);
        var barClose = decision.OpenTime + options.Interval.Length;
        while (recentOrderBars.Count > 0 && recentOrderBars.Peek() <= barClose - TimeSpan.FromHours(1))
        {
            recentOrderBars.Dequeue();
        }

        var equity = Session.Account.Equity(close);
        using var span = Source.StartActivity("risk check");
        var assessment = guard.Check(new RiskContext(
            intent,
            decision,
            expected,
            close,
            Session.Account.Quantity,
            recentOrderBars.Count,
            equity,
            dayStartEquity,
            Math.Max(peakEquity, equity),
            time.GetUtcNow(),
            killSwitch,
            filterProblem));
        foreach (var verdict in assessment.Events)
        {
            span?.SetTag("risk." + verdict.Rule, verdict.Verdict.ToString().ToLowerInvariant());
        }

        span?.SetTag("risk.allowed", assessment.Allowed);
        if (!assessment.Allowed)
        {
            span?.SetStatus(ActivityStatusCode.Error, assessment.Summary);
            await RecordVerdictsAsync(assessment, cancellationToken).ConfigureAwait(false);
        }

        if (assessment.Allowed)
        {
            // The order rate counts in market time (the bars' closes), so a replayed month is judged as it was lived.
            recentOrderBars.Enqueue(barClose);
        }

        return assessment;
    }

    private async Task RecordVerdictsAsync(RiskAssessment assessment, CancellationToken cancellationToken)
    {
        foreach (var riskEvent in assessment.Events)
        {
            await store.RecordRiskEventAsync(riskEvent, cancellationToken).ConfigureAwait(false);
        }
    }

    private SessionStep BookBar(TradingDecision decision, decimal close, Fill? fill)
    {
        var step = Session.Book(decision.OpenTime, close, fill);
        if (fill is not null)
        {
            booked.Add(ClientOrderIds.FromDecision(decision.DecisionId));
        }

        var barClose = decision.OpenTime + options.Interval.Length;
        var today = barClose.ToUnixTimeSeconds() / 86_400;
        if (today != day)
        {
            day = today;
            dayStartEquity = step.EquityBefore;
        }

        peakEquity = Math.Max(peakEquity, step.EquityAfter);
        return step;
    }

    /// <summary>The bar's equity snapshot and, after a trade, the position: what `platform positions` and the dashboard read.</summary>
    private async Task RecordBarAsync(TradingDecision decision, decimal close, SessionStep step, CancellationToken cancellationToken)
    {
        var account = Session.Account;
        await store.RecordEquityAsync(new EquitySnapshot(options.Mode, decision.Symbol, decision.OpenTime + options.Interval.Length, account.Cash, account.Quantity, close, step.EquityAfter), cancellationToken).ConfigureAwait(false);
        if (step.Trade is not null)
        {
            await StorePositionAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private Task<bool> StorePositionAsync(CancellationToken cancellationToken)
    {
        var account = Session.Account;
        return store.UpsertPositionAsync(new TradingPosition(options.Mode, Session.Options.Symbol, account.Quantity, account.Quantity > 0 ? account.OpenCost / account.Quantity : 0m, account.RealizedPnl, time.GetUtcNow()), cancellationToken);
    }

    /// <summary>Compares the exchange's base balance with the account's position; a mismatch halts trading.</summary>
    private async Task ReconcileAsync(bool atStart, CancellationToken cancellationToken)
    {
        barsSinceReconcile = 0;
        reconciliations++;
        var symbol = Session.Options.Symbol;
        var balances = await gateway.GetBalancesAsync(symbol, cancellationToken).ConfigureAwait(false);
        var expected = Session.Account.Quantity + await UnbookedQuantityAsync(symbol, cancellationToken).ConfigureAwait(false);
        await StorePositionAsync(cancellationToken).ConfigureAwait(false);
        if (balances.Base != expected)
        {
            var reason = $"the exchange holds {balances.Base} {balances.BaseAsset}, the stored position is {expected} ({(atStart ? "at start" : "periodic check")})";
            await store.RecordRiskEventAsync(new RiskEvent($"reconcile-{Guid.NewGuid():N}", options.Mode, symbol, time.GetUtcNow(), ReconciliationRule, RiskVerdict.Halted, reason, balances.Base, expected), cancellationToken).ConfigureAwait(false);
            await HaltAsync("reconciliation: " + reason, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Base quantity filled for intents whose decisions the account has not booked yet (they come again after a restart).</summary>
    private async Task<decimal> UnbookedQuantityAsync(string symbol, CancellationToken cancellationToken)
    {
        var from = Session.LastBar ?? DateTimeOffset.UnixEpoch;
        var orders = await store.GetOrdersAsync(new OrderQuery(from, options.Mode, symbol), cancellationToken).ConfigureAwait(false);
        return orders.Where(o => !booked.Contains(o.ClientOrderId)).Sum(o => o.Side == TradeSide.Buy ? o.ExecutedQuantity : -o.ExecutedQuantity);
    }

    private async Task CancelOpenOrdersIfKilledAsync(KillSwitchEvent? killSwitch, CancellationToken cancellationToken)
    {
        if (killSwitch is not { Engaged: true } engaged || cancelledFor == engaged.EventId)
        {
            return;
        }

        foreach (var open in await gateway.GetOpenOrdersAsync(Session.Options.Symbol, cancellationToken).ConfigureAwait(false))
        {
            var cancelled = await gateway.CancelOrderAsync(open.Symbol, open.ClientOrderId, cancellationToken).ConfigureAwait(false);
            await store.UpsertOrderAsync(cancelled, cancellationToken).ConfigureAwait(false);
            ExecutionLog.Cancelled(logger, open.ClientOrderId, engaged.Reason);
        }

        cancelledFor = engaged.EventId;
    }

    private async Task HaltAsync(string reason, CancellationToken cancellationToken)
    {
        halted = reason;
        if (await store.GetKillSwitchAsync(cancellationToken).ConfigureAwait(false) is not { Engaged: true })
        {
            await killSwitch.EngageAsync(options.HaltedBy, reason, cancellationToken).ConfigureAwait(false);
        }

        ExecutionLog.Halted(logger, reason);
    }

    private async Task MoveAsync(OrderIntent intent, IntentStatus status, string? detail, CancellationToken cancellationToken)
    {
        var current = await store.GetIntentAsync(intent.ClientOrderId, cancellationToken).ConfigureAwait(false) ?? intent;
        if (current.Status == status || !IntentLifecycle.CanMove(current.Status, status))
        {
            if (current.Status != status && !IntentLifecycle.IsFinal(current.Status))
            {
                // Created → Filled and the like: pass through the states between, so the record shows the whole life.
                if (IntentLifecycle.CanMove(current.Status, IntentStatus.Sent) && IntentLifecycle.CanMove(IntentStatus.Sent, status))
                {
                    await store.UpdateIntentStatusAsync(intent.ClientOrderId, IntentStatus.Sent, time.GetUtcNow(), null, cancellationToken).ConfigureAwait(false);
                    await store.UpdateIntentStatusAsync(intent.ClientOrderId, status, time.GetUtcNow(), detail, cancellationToken).ConfigureAwait(false);
                }
            }

            return;
        }

        await store.UpdateIntentStatusAsync(intent.ClientOrderId, status, time.GetUtcNow(), detail, cancellationToken).ConfigureAwait(false);
    }

    private void CheckSymbol(string symbol)
    {
        if (!string.Equals(symbol, Session.Options.Symbol, StringComparison.Ordinal))
        {
            throw new InvalidRequestException($"This execution service trades {Session.Options.Symbol}, not {symbol}.");
        }
    }

    private static string Name(TradingMode mode) => mode.ToString().ToLowerInvariant();

    private static KeyValuePair<string, object?> Tag(string key, object? value) => new(key, value);
}

internal static partial class ExecutionLog
{
    [LoggerMessage(1, LogLevel.Warning, "Order {ClientOrderId} (decision {DecisionId}) rejected by the risk guard: {Reason}")]
    public static partial void RiskRejected(ILogger logger, string clientOrderId, string decisionId, string reason);

    [LoggerMessage(2, LogLevel.Warning, "Order {ClientOrderId} refused by the exchange: {Reason}")]
    public static partial void ExchangeRejected(ILogger logger, string clientOrderId, string reason);

    [LoggerMessage(3, LogLevel.Warning, "Order {ClientOrderId}: status unknown after sending ({Reason}); querying the exchange by client order id")]
    public static partial void StatusUnknown(ILogger logger, string clientOrderId, string reason);

    [LoggerMessage(4, LogLevel.Warning, "Order {ClientOrderId}: the exchange has no such order after {Queries} queries; sending it again under the same id")]
    public static partial void Resending(ILogger logger, string clientOrderId, int queries);

    [LoggerMessage(5, LogLevel.Warning, "Query of order {ClientOrderId} failed: {Reason}")]
    public static partial void QueryFailed(ILogger logger, string clientOrderId, string reason);

    [LoggerMessage(6, LogLevel.Warning, "Cancelled open order {ClientOrderId}: kill switch engaged ({Reason})")]
    public static partial void Cancelled(ILogger logger, string clientOrderId, string reason);

    [LoggerMessage(8, LogLevel.Warning, "Order {ClientOrderId} is already at the exchange ({Reason}); recorded from there, not sent again")]
    public static partial void Duplicate(ILogger logger, string clientOrderId, string reason);

    [LoggerMessage(7, LogLevel.Error, "Trading halted: {Reason}")]
    public static partial void Halted(ILogger logger, string reason);
}
