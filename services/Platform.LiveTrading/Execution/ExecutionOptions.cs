using Platform.Domain;
using Platform.Domain.Execution;
using Platform.Domain.MarketData;

namespace Platform.LiveTrading.Execution;

/// <summary>How the execution service trades: the mode on every record, the risk limits, and how often it reconciles.</summary>
public sealed record ExecutionOptions
{
    public TradingMode Mode { get; init; } = TradingMode.Paper;

    public RiskLimits Limits { get; init; } = new();

    public KlineInterval Interval { get; init; } = KlineInterval.OneHour;

    /// <summary>Compare the exchange's balance with the stored position after this many bars (and at start).</summary>
    public int ReconcileEveryBars { get; init; } = 24;

    /// <summary>Queries of an order whose fate is unknown before it counts as never received (then it is sent again, same id).</summary>
    public int UnknownQueries { get; init; } = 4;

    /// <summary>First wait between those queries (doubling).</summary>
    public TimeSpan UnknownQueryBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Sends of one order refused by a rate limit (each after the exchange's Retry-After) before it is rejected.</summary>
    public int RateLimitedSends { get; init; } = 5;

    /// <summary>Longest Retry-After honoured; a longer one rejects the order.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Who engages the kill switch when a rule halts trading or reconciliation fails.</summary>
    public string HaltedBy { get; init; } = "execution-service";

    public void Validate()
    {
        Limits.EnsureValid();
        if (ReconcileEveryBars < 1 || UnknownQueries < 1 || RateLimitedSends < 1)
        {
            throw new InvalidRequestException("Execution: reconcile interval, unknown-order queries and rate-limited sends must be at least 1.");
        }

        if (UnknownQueryBackoff < TimeSpan.Zero || MaxRetryAfter < TimeSpan.Zero || string.IsNullOrWhiteSpace(HaltedBy))
        {
            throw new InvalidRequestException("Execution: backoffs cannot be negative and the halting party needs a name.");
        }
    }
}

/// <summary>What the execution service did so far (this instance).</summary>
public sealed record ExecutionStats(
    int Decisions,
    int OrdersSent,
    int Fills,
    int RiskRejections,
    int ExchangeRejections,
    int StatusUnknown,
    int Resent,
    int Reconciliations,
    string? Halted)
{
    /// <summary>The counts of several instances (a service replaced after failures) added up; the last halt reason kept.</summary>
    public static ExecutionStats Sum(IReadOnlyList<ExecutionStats> stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        return new ExecutionStats(
            stats.Sum(s => s.Decisions),
            stats.Sum(s => s.OrdersSent),
            stats.Sum(s => s.Fills),
            stats.Sum(s => s.RiskRejections),
            stats.Sum(s => s.ExchangeRejections),
            stats.Sum(s => s.StatusUnknown),
            stats.Sum(s => s.Resent),
            stats.Sum(s => s.Reconciliations),
            stats.LastOrDefault(s => s.Halted is not null)?.Halted);
    }
}
