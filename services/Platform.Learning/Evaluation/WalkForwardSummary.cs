using Platform.Domain.Backtesting;
using Platform.Domain.Evaluation;

namespace Platform.Learning.Evaluation;

/// <summary>The metrics a walk-forward report aggregates over folds, by name.</summary>
public static class FoldMetrics
{
    public static IReadOnlyList<(string Name, Func<PerformanceMetrics, double> Value)> All { get; } =
    [
        ("return_pct", m => m.ReturnPct),
        ("sharpe", m => m.Sharpe),
        ("sortino", m => m.Sortino),
        ("max_drawdown_pct", m => m.MaxDrawdownPct),
        ("trades", m => m.BuyOrders + m.SellOrders),
        ("fees_paid", m => (double)m.FeesPaid),
        ("exposure", m => m.Exposure),
    ];
}

/// <summary>One policy at one fee level over all folds: a summary per metric and the stitched out-of-sample curve.</summary>
public sealed record PolicySummary(string Policy, decimal Fee, int Folds, IReadOnlyDictionary<string, SampleSummary> Metrics, long[] OpenTimeMs, double[] StitchedEquity, double StitchedSharpe, double StitchedReturnPct, double StitchedMaxDrawdownPct);

public static class WalkForwardSummary
{
    /// <summary>Every (policy, fee) pair of the result, agents first in option order, then the baselines.</summary>
    public static IReadOnlyList<PolicySummary> Summarize(WalkForwardResult result, double periodsPerYear, int seed = 42)
    {
        ArgumentNullException.ThrowIfNull(result);
        var order = result.Options.Agents.Select(a => a.Name).Concat(BaselinePolicies.Names).ToList();
        return
        [
            .. result.Policies.OrderBy(p => order.IndexOf(p) is var i and >= 0 ? i : int.MaxValue).ThenBy(p => p, StringComparer.Ordinal)
                .SelectMany(p => result.Options.Fees.Select(fee => Summarize(result.Of(p, fee), periodsPerYear, seed)))
                .Where(s => s.Folds > 0),
        ];
    }

    /// <summary>Summarises one policy's fold tests (same policy and fee, in fold order).</summary>
    public static PolicySummary Summarize(IReadOnlyList<FoldTest> tests, double periodsPerYear, int seed = 42)
    {
        ArgumentNullException.ThrowIfNull(tests);
        if (tests.Count == 0)
        {
            return new PolicySummary("", 0, 0, new Dictionary<string, SampleSummary>(), [], [], 0, 0, 0);
        }

        var metrics = FoldMetrics.All.ToDictionary(m => m.Name, m => SampleSummary.Of([.. tests.Select(t => m.Value(t.Metrics))], seed: seed), StringComparer.Ordinal);
        var times = tests.SelectMany(t => t.OpenTimeMs).ToArray();
        var returns = tests.SelectMany(t => t.Returns).ToArray();
        var equity = new double[returns.Length];
        double value = 1, peak = 1, drawdown = 0;
        for (var i = 0; i < returns.Length; i++)
        {
            value *= 1 + returns[i];
            equity[i] = value;
            peak = Math.Max(peak, value);
            drawdown = Math.Max(drawdown, (peak - value) / peak);
        }

        return new PolicySummary(tests[0].Policy, tests[0].Fee, tests.Count, metrics, times, equity, AnnualisedSharpe(returns, periodsPerYear), (value - 1) * 100, drawdown * 100);
    }

    /// <summary>Mean over sample standard deviation of per-period returns, times √(periods per year); 0 for a flat series.</summary>
    public static double AnnualisedSharpe(IReadOnlyList<double> returns, double periodsPerYear)
    {
        ArgumentNullException.ThrowIfNull(returns);
        var (mean, std, _, _) = Platform.Domain.Promotion.Statistics.Moments(returns);
        return std > 1e-15 ? mean / std * Math.Sqrt(periodsPerYear) : 0;
    }
}
