using Platform.Domain.Features;
using Platform.Domain.Trading;

namespace Platform.Domain.Backtesting;

/// <summary>Everything a backtest produced, by row of the range it ran over.</summary>
public sealed record BacktestResult(
    string Policy,
    string Symbol,
    DateTimeOffset From,
    DateTimeOffset To,
    IReadOnlyList<long> OpenTimeMs,
    IReadOnlyList<decimal> Price,
    IReadOnlyList<decimal> Equity,
    IReadOnlyList<decimal> Cash,
    IReadOnlyList<decimal> Position,
    IReadOnlyList<Trade> Trades,
    PerformanceMetrics Metrics);

/// <summary>Runs a policy through the <see cref="TradingEnvironment"/> over a date range of a frame.</summary>
public static class Backtester
{
    /// <summary>Rows of <paramref name="frame"/> with open time in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public static (int Start, int End) RowRange(MarketFrame frame, DateTimeOffset from, DateTimeOffset to)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (to <= from)
        {
            throw new InvalidRequestException($"The range is empty: --to {to:yyyy-MM-dd HH:mm} is not after --from {from:yyyy-MM-dd HH:mm}.");
        }

        var start = frame.IndexAtOrAfter(from);
        var end = frame.IndexAtOrAfter(to);
        if (end <= start)
        {
            throw new InvalidRequestException(
                $"No {frame.TradedSymbol} data in [{from:yyyy-MM-dd HH:mm}, {to:yyyy-MM-dd HH:mm}) UTC; the data covers " +
                $"{frame.OpenTime(0):yyyy-MM-dd HH:mm} to {frame.OpenTime(frame.Length - 1):yyyy-MM-dd HH:mm}.");
        }

        return (start, end);
    }

    public static BacktestResult Run(MarketFrame frame, FeatureMatrix? features, IPolicy policy, TradingOptions options, DateTimeOffset from, DateTimeOffset to)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var (start, end) = RowRange(frame, from, to);
        var env = new TradingEnvironment(frame, options, start, end);
        policy.Prepare(new PolicyContext(frame, features, start, end, options.MaxLots));
        var observation = env.Reset();
        while (!env.Done)
        {
            observation = env.Step(policy.Decide(observation)).Next;
        }

        return Collect(env, policy.Name, from, to);
    }

    /// <summary>Turns a finished episode into a result with metrics.</summary>
    public static BacktestResult Collect(TradingEnvironment env, string policyName, DateTimeOffset from, DateTimeOffset to)
    {
        ArgumentNullException.ThrowIfNull(env);
        var frame = env.Frame;
        var rows = env.EndRow - env.StartRow;
        var times = new long[rows];
        var prices = new decimal[rows];
        for (var i = 0; i < rows; i++)
        {
            times[i] = frame.OpenTimeMs[env.StartRow + i];
            prices[i] = frame.TradedClose[env.StartRow + i];
        }

        var metrics = PerformanceMetrics.Compute(env.EquityCurve, env.PositionCurve, env.Account, env.Options.InitialCash, prices[^1], frame.Interval.PeriodsPerYear);
        return new BacktestResult(policyName, frame.TradedSymbol, from, to, times, prices, env.EquityCurve.ToArray(), env.CashCurve.ToArray(), env.PositionCurve.ToArray(), [.. env.Trades], metrics);
    }
}
