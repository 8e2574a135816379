using Platform.Domain.Trading;

namespace Platform.Domain.Backtesting;

/// <summary>The numbers a trader asks for first. Money exact (decimal), ratios in double.</summary>
public sealed record PerformanceMetrics(
    decimal InitialEquity,
    decimal FinalEquity,
    decimal FinalProfit,
    double ReturnPct,
    double Sharpe,
    double Sortino,
    double MaxDrawdownPct,
    double WinRate,
    double Exposure,
    double Turnover,
    decimal FeesPaid,
    decimal RealizedPnl,
    decimal UnrealizedPnl,
    int BuyOrders,
    int SellOrders,
    int Bars)
{
    /// <summary>
    /// Computes the metrics of an equity curve (equity after each row's action, marked at that row's close).
    /// Returns are per row and annualised with <paramref name="periodsPerYear"/>; the first row's return is measured
    /// from the initial equity. Sharpe and Sortino take a zero risk-free rate; win rate counts closed lots.
    /// </summary>
    public static PerformanceMetrics Compute(ReadOnlySpan<decimal> equity, ReadOnlySpan<decimal> position, Account account, decimal initialEquity, decimal lastPrice, double periodsPerYear)
    {
        ArgumentNullException.ThrowIfNull(account);
        var n = equity.Length;
        if (n == 0)
        {
            return new PerformanceMetrics(initialEquity, initialEquity, 0m, 0, 0, 0, 0, 0, 0, 0, 0m, 0m, 0m, 0, 0, 0);
        }

        double sum = 0, sumSq = 0, downSq = 0;
        var previous = (double)initialEquity;
        var peak = previous;
        double maxDrawdown = 0;
        var exposed = 0;
        double equitySum = 0;
        for (var i = 0; i < n; i++)
        {
            var e = (double)equity[i];
            var r = previous > 0 ? (e / previous) - 1d : 0d;
            sum += r;
            sumSq += r * r;
            if (r < 0)
            {
                downSq += r * r;
            }

            peak = Math.Max(peak, e);
            maxDrawdown = Math.Max(maxDrawdown, peak > 0 ? (peak - e) / peak : 0d);
            if (position[i] > 0)
            {
                exposed++;
            }

            equitySum += e;
            previous = e;
        }

        var mean = sum / n;
        var variance = n > 1 ? (sumSq - (n * mean * mean)) / (n - 1) : 0d;
        var std = Math.Sqrt(Math.Max(variance, 0d));
        var downside = Math.Sqrt(downSq / n);
        var annual = Math.Sqrt(periodsPerYear);
        var final = equity[n - 1];
        return new PerformanceMetrics(
            initialEquity,
            final,
            final - initialEquity,
            (double)((final - initialEquity) / initialEquity) * 100d,
            std > 1e-15 ? mean / std * annual : 0d,
            downside > 1e-15 ? mean / downside * annual : 0d,
            maxDrawdown * 100d,
            account.ClosedLots > 0 ? (double)account.WinningLots / account.ClosedLots : 0d,
            (double)exposed / n,
            equitySum > 0 ? (double)account.TradedNotional / (equitySum / n) : 0d,
            account.FeesPaid,
            account.RealizedPnl,
            account.UnrealizedPnl(lastPrice),
            account.BuyCount,
            account.SellCount,
            n);
    }
}
