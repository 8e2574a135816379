using Platform.Domain.Trading;

namespace Platform.Domain.Tests;

public class AccountTests
{
    private static readonly DateTimeOffset T = TestData.Start;

    [Fact]
    public void BuyThenSell_WithFeeAndSlippage_MatchesHandComputationToTheCent()
    {
        // 1,000 USDT, fixed 0.1 BTC, fee 0.1%, slippage 10 bps.
        var account = new Account(new TradingOptions { InitialCash = 1000m, Sizing = SizingMode.FixedQuantity, SizeValue = 0.1m, FeeRate = 0.001m, SlippageBps = 10m, MinNotional = 0m });

        var buy = account.Buy(T, 5000m)!;
        // fill 5000 × 1.001 = 5005; notional 500.5; fee 0.5005; cash 1000 − 501.0005 = 498.9995
        Assert.Equal(5005m, buy.FillPrice);
        Assert.Equal(500.5m, buy.Notional);
        Assert.Equal(0.5005m, buy.Fee);
        Assert.Equal(498.9995m, account.Cash);
        Assert.Equal(0.1m, account.Quantity);

        var sell = account.Sell(T.AddHours(1), 6000m)!;
        // fill 6000 × 0.999 = 5994; notional 599.4; fee 0.5994; P&L 599.4 − 0.5994 − 501.0005 = 97.8001
        Assert.Equal(5994m, sell.FillPrice);
        Assert.Equal(0.5994m, sell.Fee);
        Assert.Equal(97.8001m, sell.RealizedPnl);
        Assert.Equal(1097.8001m, account.Cash);
        Assert.Equal(0m, account.Quantity);
        Assert.Equal(1.0999m, account.FeesPaid);
        Assert.Equal(1, account.WinningLots);
    }

    [Fact]
    public void Buy_FractionOfEquity_SpendsAllCashIncludingFeeRoundedDownToStep()
    {
        var account = new Account(new TradingOptions { InitialCash = 10_000m, FeeRate = 0.001m });

        var buy = account.Buy(T, 30_000m)!;

        // 10,000 / (30,000 × 1.001) = 0.333000333… → 0.33300 BTC
        Assert.Equal(0.333m, buy.Quantity);
        Assert.Equal(9990m, buy.Notional);
        Assert.Equal(9.99m, buy.Fee);
        Assert.Equal(0.01m, account.Cash);
        Assert.True(account.Cash >= 0);
    }

    [Fact]
    public void Equity_AlwaysEqualsInitialPlusRealizedPlusUnrealized()
    {
        var account = new Account(new TradingOptions { InitialCash = 10_000m, Sizing = SizingMode.FractionOfEquity, SizeValue = 0.3m, MaxLots = 3, SlippageBps = 3m });
        decimal[] prices = [100m, 103.17m, 99.5m, 120.01m, 87.3m, 91m];
        var random = new Random(7);
        foreach (var p in prices.Concat(prices.Reverse()).Concat(prices))
        {
            _ = random.Next(2) == 0 ? account.Buy(T, p) : account.Sell(T, p);
            Assert.Equal(account.Equity(p), 10_000m + account.RealizedPnl + account.UnrealizedPnl(p));
        }
    }

    [Fact]
    public void Sell_WithSeveralLots_ClosesOldestFirst()
    {
        var account = new Account(new TradingOptions { InitialCash = 1000m, Sizing = SizingMode.FixedQuantity, SizeValue = 1m, MaxLots = 2, FeeRate = 0m, MinNotional = 0m });
        account.Buy(T, 100m);
        account.Buy(T, 200m);

        Assert.Null(account.Buy(T, 150m)); // full
        var sell = account.Sell(T, 150m)!;

        Assert.Equal(50m, sell.RealizedPnl); // the 100 lot
        Assert.Equal(1, account.OpenLots);
        Assert.Equal(200m, account.OpenCost);
    }

    [Fact]
    public void Sell_WhenFlat_ReturnsNullAndChangesNothing()
    {
        var account = new Account(new TradingOptions());

        Assert.Null(account.Sell(T, 100m));
        Assert.Equal(10_000m, account.Cash);
        Assert.Equal(0, account.SellCount);
    }

    [Fact]
    public void Buy_BelowMinimumNotional_IsNotSent()
    {
        var account = new Account(new TradingOptions { Sizing = SizingMode.FixedQuantity, SizeValue = 0.0001m, MinNotional = 5m });

        Assert.Null(account.Buy(T, 20_000m)); // 2 USDT
        Assert.Equal(0, account.BuyCount);
    }

    [Fact]
    public void Buy_FixedQuantityBeyondCash_BuysWhatCashAffords()
    {
        var account = new Account(new TradingOptions { InitialCash = 100m, Sizing = SizingMode.FixedQuantity, SizeValue = 1m, FeeRate = 0m, QuantityStep = 0.01m });

        var buy = account.Buy(T, 300m)!;

        Assert.Equal(0.33m, buy.Quantity);
        Assert.Equal(1m, account.Cash);
    }

    [Fact]
    public void TradingOptions_Invalid_ListsEveryProblem()
    {
        var errors = new TradingOptions { FeeRate = -0.1m, InitialCash = 0m, MaxLots = 0, SizeValue = 2m }.Validate();

        Assert.Equal(4, errors.Count);
        Assert.Throws<InvalidRequestException>(() => new Account(new TradingOptions { FeeRate = 0.5m }));
    }
}
