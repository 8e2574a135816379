using Platform.Domain.Backtesting;
using Platform.Domain.Trading;

namespace Platform.Domain.Tests;

public class EnvironmentAndBacktestTests
{
    private static readonly TradingOptions NoCosts = new() { InitialCash = 1000m, FeeRate = 0m, Sizing = SizingMode.FixedQuantity, SizeValue = 1m, MinNotional = 0m };

    [Fact]
    public void Step_BuyThenHold_RewardIsNextHourPriceChangeMinusFees()
    {
        var frame = TestData.Frame(100m, 110m, 105m);
        var env = new TradingEnvironment(frame, NoCosts with { FeeRate = 0.01m }, 0, 3);

        var first = env.Step(TradeAction.Buy);
        Assert.Equal(10m - 1m, first.Reward); // +10 price move, −1 fee
        Assert.Equal(1, first.Next.OpenLots);
        var second = env.Step(TradeAction.Hold);
        Assert.Equal(-5m, second.Reward);
        var last = env.Step(TradeAction.Sell);
        Assert.True(last.Done);
        Assert.Equal(-1.05m, last.Reward); // only the sell fee on the last row
        Assert.Equal([999m, 1009m, 1002.95m], env.EquityCurve.ToArray());
        Assert.Throws<InvalidOperationException>(() => env.Step(TradeAction.Hold));
    }

    [Fact]
    public void Reset_AfterEpisode_StartsFresh()
    {
        var env = new TradingEnvironment(TestData.Frame(100m, 110m), NoCosts, 0, 2);
        env.Step(TradeAction.Buy);
        env.Step(TradeAction.Hold);

        var observation = env.Reset();

        Assert.Equal(new Observation(0, 0, 1), observation);
        Assert.Empty(env.Trades);
        Assert.Equal(1000m, env.Account.Cash);
    }

    [Fact]
    public void Run_BuyAndHold_ProfitIsPriceChangeTimesQuantityMinusFee()
    {
        var frame = TestData.Frame(100m, 120m, 90m, 150m);
        var result = Backtester.Run(frame, null, new BuyAndHoldPolicy(), NoCosts with { FeeRate = 0.001m }, TestData.Start, TestData.Start.AddHours(4));

        Assert.Equal(50m - 0.1m, result.Metrics.FinalProfit);
        Assert.Equal(1, result.Metrics.BuyOrders);
        Assert.Equal(0, result.Metrics.SellOrders);
        Assert.Equal(0.1m, result.Metrics.FeesPaid);
        Assert.Equal(4, result.Metrics.Bars);
        Assert.Equal(30d / 1019.9d * 100d, result.Metrics.MaxDrawdownPct, 9); // peak 1019.9 at 120, trough 989.9 at 90
    }

    [Fact]
    public void Run_DateRange_UsesOnlyRowsInsideFromInclusiveToExclusive()
    {
        var frame = TestData.Frame(100m, 101m, 102m, 103m, 104m);
        var result = Backtester.Run(frame, null, new AlwaysFlatPolicy(), NoCosts, TestData.Start.AddHours(1), TestData.Start.AddHours(3));

        Assert.Equal([101m, 102m], result.Price);
    }

    [Fact]
    public void Run_RangeOutsideData_ThrowsMessageWithCoverage()
    {
        var frame = TestData.Frame(100m, 101m);
        var e = Assert.Throws<InvalidRequestException>(() => Backtester.Run(frame, null, new AlwaysFlatPolicy(), NoCosts, TestData.Start.AddYears(1), TestData.Start.AddYears(2)));

        Assert.Contains("the data covers 2023-01-01 00:00", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RandomPolicy_SameSeed_SameTrades_DifferentSeed_DifferentTrades()
    {
        var frame = TestData.Frame([.. Enumerable.Range(0, 200).Select(i => 100m + (i % 7))]);
        BacktestResult Run(int seed) => Backtester.Run(frame, null, new RandomPolicy(seed), NoCosts, TestData.Start, TestData.Start.AddHours(200));

        Assert.Equal(Run(1).Trades, Run(1).Trades);
        Assert.NotEqual(Run(1).Metrics.FinalProfit, Run(2).Metrics.FinalProfit);
    }

    [Fact]
    public void MomentumPolicy_RisingThenFalling_BuysThenSells()
    {
        decimal[] closes = [100m, 101m, 102m, 103m, 102m, 101m, 100m];
        var result = Backtester.Run(TestData.Frame(closes), null, new MomentumPolicy(lookback: 2), NoCosts, TestData.Start, TestData.Start.AddHours(7));

        Assert.Equal([TradeSide.Buy, TradeSide.Sell], result.Trades.Select(t => t.Side));
        Assert.Equal(TestData.Start.AddHours(2), result.Trades[0].Time);
        Assert.Equal(TestData.Start.AddHours(5), result.Trades[1].Time);
    }

    [Fact]
    public void BaselinePolicies_UnknownName_ListsKnownOnes()
    {
        var e = Assert.Throws<InvalidRequestException>(() => BaselinePolicies.Create("magic"));
        Assert.Contains("buy-and-hold", e.Message, StringComparison.Ordinal);
    }
}
