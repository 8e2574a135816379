using Platform.Domain.Backtesting;

namespace Platform.Domain.Evaluation;

public static class PeriodReturns
{
    /// <summary>Per-row simple returns of a backtest's equity curve, the first measured from the initial equity.</summary>
    public static double[] Of(BacktestResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var returns = new double[result.Equity.Count];
        var previous = (double)result.Metrics.InitialEquity;
        for (var i = 0; i < returns.Length; i++)
        {
            var e = (double)result.Equity[i];
            returns[i] = previous > 0 ? (e / previous) - 1 : 0;
            previous = e;
        }

        return returns;
    }
}
