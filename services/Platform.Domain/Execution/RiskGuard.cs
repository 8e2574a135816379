using System.Diagnostics.Metrics;
using System.Globalization;
using Platform.Domain.Trading;

namespace Platform.Domain.Execution;

/// <summary>
/// The limits the risk guard enforces before every order. Each rule is off when its limit is null. The defaults are
/// those a paper account of the backtest's size would pass, and that a runaway model or a bad price would not.
/// </summary>
public sealed record RiskLimits
{
    /// <summary>Largest position (base quantity) a buy may leave.</summary>
    public decimal? MaxPositionQuantity { get; init; }

    /// <summary>Largest order value in the quote asset (quantity × expected price).</summary>
    public decimal? MaxOrderNotional { get; init; } = 1_000_000m;

    /// <summary>Orders sent in the last hour, at most (one a bar is the model's pace; more is a loop gone wrong).</summary>
    public int? MaxOrdersPerHour { get; init; } = 10;

    /// <summary>Loss since the UTC day began, in the quote asset, that halts trading.</summary>
    public decimal? DailyLossLimit { get; init; }

    /// <summary>Fall from the peak equity, as a fraction (0.2 = 20 %), that halts trading.</summary>
    public decimal? MaxDrawdown { get; init; } = 0.5m;

    /// <summary>Oldest a decision may be when its order goes out.</summary>
    public TimeSpan? MaxDecisionAge { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Largest distance of the expected price from the last kline's close, as a fraction (0.05 = 5 %).</summary>
    public decimal? PriceBand { get; init; } = 0.05m;

    /// <summary>Model versions allowed to trade (null or empty: any).</summary>
    public IReadOnlyList<string>? AllowedModelVersions { get; init; }

    /// <summary>Every limit that cannot be enforced as given (negative, zero where that blocks everything, a band over 100 %).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (MaxPositionQuantity is <= 0)
        {
            errors.Add($"max position {MaxPositionQuantity} must be positive");
        }

        if (MaxOrderNotional is <= 0)
        {
            errors.Add($"max order notional {MaxOrderNotional} must be positive");
        }

        if (MaxOrdersPerHour is < 1)
        {
            errors.Add($"max orders per hour {MaxOrdersPerHour} must be at least 1");
        }

        if (DailyLossLimit is <= 0)
        {
            errors.Add($"daily loss limit {DailyLossLimit} must be positive");
        }

        if (MaxDrawdown is <= 0 or > 1)
        {
            errors.Add($"max drawdown {MaxDrawdown} must be in (0, 1]");
        }

        if (MaxDecisionAge is { } age && age <= TimeSpan.Zero)
        {
            errors.Add($"max decision age {age} must be positive");
        }

        if (PriceBand is <= 0 or > 1)
        {
            errors.Add($"price band {PriceBand} must be in (0, 1]");
        }

        return errors;
    }

    public void EnsureValid()
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new InvalidRequestException("Invalid risk limits: " + string.Join("; ", errors));
        }
    }
}

/// <summary>Everything the guard judges an order by, gathered by the execution service at the moment of sending.</summary>
/// <param name="ExpectedPrice">The price the order is expected to fill at (the exchange's last price, or the limit).</param>
/// <param name="LastKlineClose">The close of the last kline of the symbol (the price the model decided on).</param>
/// <param name="PositionBefore">Base quantity held before the order.</param>
/// <param name="OrdersInLastHour">Orders sent for the symbol in the hour before <paramref name="Now"/>.</param>
/// <param name="ExchangeFilterProblem">Why the exchange's filters (lot size, price, notional) refuse the order, or null.</param>
public sealed record RiskContext(
    OrderIntent Intent,
    TradingDecision Decision,
    decimal ExpectedPrice,
    decimal LastKlineClose,
    decimal PositionBefore,
    int OrdersInLastHour,
    decimal Equity,
    decimal EquityAtDayStart,
    decimal PeakEquity,
    DateTimeOffset Now,
    KillSwitchEvent? KillSwitch = null,
    string? ExchangeFilterProblem = null);

/// <summary>The guard's answer: allowed only when no rule objects; halted when a rule stops trading as a whole.</summary>
public sealed record RiskAssessment(IReadOnlyList<RiskEvent> Events)
{
    public bool Allowed => Events.All(e => e.Verdict == RiskVerdict.Allowed);

    public bool Halted => Events.Any(e => e.Verdict == RiskVerdict.Halted);

    /// <summary>The objections, one line each ("rule: reason").</summary>
    public string Summary => string.Join("; ", Events.Where(e => e.Verdict != RiskVerdict.Allowed).Select(e => $"{e.Rule}: {e.Reason}"));
}

/// <summary>
/// The risk guard: every rule judges every order, and each verdict is a <see cref="RiskEvent"/> (allowed ones too, so
/// a trace and the store show what was checked). Rejections stop the one order; halts (kill switch, daily loss, drawdown)
/// stop trading until a person resumes it. Event ids are the client order id, the rule and the time of judgement: the
/// same judgement stored twice is one event, and an order judged again after a restart gets a record of its own. Sells that reduce the position are not held to the position limit.
/// </summary>
public sealed class RiskGuard
{
    public const string KillSwitchRule = "kill_switch";
    public const string MaxDrawdownRule = "max_drawdown";
    public const string DailyLossRule = "daily_loss";
    public const string StaleDecisionRule = "stale_decision";
    public const string ModelVersionRule = "model_version";
    public const string OrderRateRule = "max_orders_per_hour";
    public const string NotionalRule = "max_order_notional";
    public const string PositionRule = "max_position";
    public const string PriceBandRule = "price_band";
    public const string ExchangeFiltersRule = "exchange_filters";

    private static readonly Meter Meter = new("Platform.Execution.Risk");
    private static readonly Counter<long> Rejections = Meter.CreateCounter<long>("platform.risk.rejections", "{order}", "Orders the risk guard rejected or halted, by rule");

    private readonly RiskLimits limits;

    public RiskGuard(RiskLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        limits.EnsureValid();
        this.limits = limits;
    }

    public RiskAssessment Check(RiskContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var intent = context.Intent;
        var events = new List<RiskEvent>();
        void Verdict(string rule, bool objects, RiskVerdict whenObjecting, string reason, decimal? observed, decimal? limit)
        {
            var verdict = objects ? whenObjecting : RiskVerdict.Allowed;
            events.Add(new RiskEvent($"{intent.ClientOrderId}:{rule}:{context.Now.ToUnixTimeMilliseconds()}", intent.Mode, intent.Symbol, context.Now, rule, verdict, objects ? reason : "within limit", observed, limit, intent.DecisionId, intent.ClientOrderId));
            if (objects)
            {
                Rejections.Add(1, new KeyValuePair<string, object?>("rule", rule), new KeyValuePair<string, object?>("verdict", verdict.ToString().ToLowerInvariant()));
            }
        }

        var engaged = context.KillSwitch is { Engaged: true };
        Verdict(KillSwitchRule, engaged, RiskVerdict.Halted, $"kill switch engaged by {context.KillSwitch?.By}: {context.KillSwitch?.Reason}", null, null);

        if (limits.MaxDrawdown is { } maxDrawdown && context.PeakEquity > 0)
        {
            var drawdown = (context.PeakEquity - context.Equity) / context.PeakEquity;
            Verdict(MaxDrawdownRule, drawdown > maxDrawdown, RiskVerdict.Halted, $"drawdown {Percent(drawdown)} from the peak {context.PeakEquity} exceeds {Percent(maxDrawdown)}", drawdown, maxDrawdown);
        }

        if (limits.DailyLossLimit is { } dailyLoss)
        {
            var loss = context.EquityAtDayStart - context.Equity;
            Verdict(DailyLossRule, loss > dailyLoss, RiskVerdict.Halted, $"loss today {loss} exceeds {dailyLoss}", loss, dailyLoss);
        }

        if (limits.MaxDecisionAge is { } maxAge)
        {
            var age = context.Now - context.Decision.DecidedAt;
            Verdict(StaleDecisionRule, age > maxAge, RiskVerdict.Rejected, $"decision is {age.TotalSeconds:0.#} s old, more than {maxAge.TotalSeconds:0.#} s", (decimal)age.TotalSeconds, (decimal)maxAge.TotalSeconds);
        }

        if (limits.AllowedModelVersions is { Count: > 0 } allowed)
        {
            Verdict(ModelVersionRule, !allowed.Contains(context.Decision.ModelVersion), RiskVerdict.Rejected, $"model version {context.Decision.ModelVersion} is not among {string.Join(", ", allowed)}", null, null);
        }

        if (limits.MaxOrdersPerHour is { } perHour)
        {
            Verdict(OrderRateRule, context.OrdersInLastHour >= perHour, RiskVerdict.Rejected, $"{context.OrdersInLastHour} orders in the last hour, at most {perHour}", context.OrdersInLastHour, perHour);
        }

        var notional = intent.Quantity * context.ExpectedPrice;
        if (limits.MaxOrderNotional is { } maxNotional)
        {
            Verdict(NotionalRule, notional > maxNotional, RiskVerdict.Rejected, $"order value {notional} exceeds {maxNotional}", notional, maxNotional);
        }

        if (limits.MaxPositionQuantity is { } maxPosition && intent.Side == TradeSide.Buy)
        {
            var after = context.PositionBefore + intent.Quantity;
            Verdict(PositionRule, after > maxPosition, RiskVerdict.Rejected, $"position after the buy {after} exceeds {maxPosition}", after, maxPosition);
        }

        if (limits.PriceBand is { } band && context.LastKlineClose > 0)
        {
            var distance = Math.Abs(context.ExpectedPrice - context.LastKlineClose) / context.LastKlineClose;
            Verdict(PriceBandRule, distance > band, RiskVerdict.Rejected, $"expected price {context.ExpectedPrice} is {Percent(distance)} from the last close {context.LastKlineClose}, more than {Percent(band)}", distance, band);
        }

        Verdict(ExchangeFiltersRule, context.ExchangeFilterProblem is not null, RiskVerdict.Rejected, context.ExchangeFilterProblem ?? "", null, null);
        return new RiskAssessment(events);
    }

    private static string Percent(decimal fraction) => (fraction * 100m).ToString("0.##", CultureInfo.InvariantCulture) + " %";
}
