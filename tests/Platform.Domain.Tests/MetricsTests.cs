using Platform.Domain.Backtesting;
using Platform.Domain.Trading;

namespace Platform.Domain.Tests;

public class MetricsTests
{
    [Fact]
    public void Compute_KnownEquityCurve_MatchesHandComputation()
    {
        decimal[] equity = [110m, 99m, 121m];
        decimal[] position = [1m, 0m, 1m];
        var m = PerformanceMetrics.Compute(equity, position, new Account(new TradingOptions { InitialCash = 100m }), 100m, 1m, 8760d);

        // returns: +10%, −10%, +22.2222…%
        double[] r = [0.1, -0.1, (121d / 99d) - 1d];
        var mean = r.Average();
        var std = Math.Sqrt(r.Sum(x => (x - mean) * (x - mean)) / 2d);
        var downside = Math.Sqrt(0.01 / 3d);
        Assert.Equal(mean / std * Math.Sqrt(8760d), m.Sharpe, 9);
        Assert.Equal(mean / downside * Math.Sqrt(8760d), m.Sortino, 9);
        Assert.Equal(10d, m.MaxDrawdownPct, 9);
        Assert.Equal(21m, m.FinalProfit);
        Assert.Equal(21d, m.ReturnPct, 9);
        Assert.Equal(2d / 3d, m.Exposure, 9);
        Assert.Equal(3, m.Bars);
    }

    [Fact]
    public void Compute_FlatCurve_ZeroRatiosNotNaN()
    {
        var m = PerformanceMetrics.Compute([100m, 100m], [0m, 0m], new Account(new TradingOptions { InitialCash = 100m }), 100m, 1m, 8760d);

        Assert.Equal(0d, m.Sharpe);
        Assert.Equal(0d, m.Sortino);
        Assert.Equal(0d, m.MaxDrawdownPct);
    }
}
