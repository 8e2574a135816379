
namespace Platform.Binance.Trading.Tests;

public sealed class FilterTests
{
    private static readonly SymbolFilters BtcUsdt = SymbolFilters.Parse(
    [
        """{"filterType":"PRICE_FILTER","minPrice":"0.01000000","maxPrice":"1000000.00000000","tickSize":"0.01000000"}""",
        """{"filterType":"LOT_SIZE","minQty":"0.00001000","maxQty":"9000.00000000","stepSize":"0.00001000"}""",
        """{"filterType":"ICEBERG_PARTS","limit":10}""",
        """{"filterType":"NOTIONAL","minNotional":"5.00000000","applyMinToMarket":true,"maxNotional":"9000000.00000000","applyMaxToMarket":false,"avgPriceMins":5}""",
        """{"filterType":"MAX_NUM_ORDERS","maxNumOrders":200}""",
    ]);

    [Fact]
    public void Parse_ExchangeInfoFilters_ReadsEveryRule()
    {
        Assert.Equal((0.01m, 1_000_000m, 0.01m), (BtcUsdt.MinPrice, BtcUsdt.MaxPrice, BtcUsdt.TickSize));
        Assert.Equal((0.00001m, 9000m, 0.00001m), (BtcUsdt.MinQty, BtcUsdt.MaxQty, BtcUsdt.StepSize));
        Assert.Equal((5m, 9_000_000m, true, 200), (BtcUsdt.MinNotional, BtcUsdt.MaxNotional, BtcUsdt.NotionalAppliesToMarket, BtcUsdt.MaxNumOrders));
    }

    [Fact]
    public void Parse_LegacyMinNotional_ReadsMinNotionalAndMarketFlag()
    {
        var filters = SymbolFilters.Parse(["""{"filterType":"MIN_NOTIONAL","minNotional":"10.0","applyToMarket":false,"avgPriceMins":5}"""]);

        Assert.Equal((10m, false), (filters.MinNotional, filters.NotionalAppliesToMarket));
    }

    [Fact]
    public void Apply_UnroundedLimitBuy_FloorsQuantityAndPriceOntoTheGrid()
    {
        var order = OrderFilters.Apply(new NewOrder("BTCUSDT", OrderSide.Buy, OrderType.Limit, 0.123456789m, "c1") { Price = 50_000.129m }, BtcUsdt, 50_000m);

        Assert.Equal(0.12345m, order.Quantity);
        Assert.Equal(50_000.12m, order.Price);
        Assert.Equal("0.12345", BinanceTradingClient.FormatDecimal(order.Quantity));
        Assert.Equal("50000.12", BinanceTradingClient.FormatDecimal(order.Price!.Value));
    }

    [Fact]
    public void Apply_LimitSell_RoundsThePriceUpNeverWorse()
    {
        var order = OrderFilters.Apply(new NewOrder("BTCUSDT", OrderSide.Sell, OrderType.Limit, 1m, "c1") { Price = 50_000.121m }, BtcUsdt, 50_000m);

        Assert.Equal(50_000.13m, order.Price);
    }

    [Fact]
    public void Apply_NotionalBelowMinimumAfterRounding_ThrowsFilterFailure()
    {
        // 0.000109 rounds to 0.0001: 5.0 USDT before rounding, 4.6 after.
        var e = Assert.Throws<BinanceTradingException>(() => OrderFilters.Apply(new NewOrder("BTCUSDT", OrderSide.Buy, OrderType.Market, 0.000109m, "c1"), BtcUsdt, 46_000m));

        Assert.Equal((BinanceErrorKind.FilterFailure, "NOTIONAL", -1013), (e.Kind, e.Filter, e.Code));
    }

    [Theory]
    [InlineData(0.000001, null, "LOT_SIZE")]
    [InlineData(10000, null, "LOT_SIZE")]
    [InlineData(0.1, 0.001, "PRICE_FILTER")]
    [InlineData(0.1, 2000000.0, "PRICE_FILTER")]
    public void FirstFailure_OutOfBounds_NamesTheFilter(double quantity, double? price, string filter)
    {
        var type = price is null ? OrderType.Market : OrderType.Limit;

        Assert.Equal(filter, BtcUsdt.FirstFailure(type, (decimal)quantity, (decimal?)price, 50_000m, 0));
    }

    [Fact]
    public void FirstFailure_OpenOrdersAtTheLimit_MaxNumOrders()
    {
        Assert.Equal("MAX_NUM_ORDERS", BtcUsdt.FirstFailure(OrderType.Limit, 0.001m, 40_000m, 50_000m, 200));
        Assert.Null(BtcUsdt.FirstFailure(OrderType.Limit, 0.001m, 40_000m, 50_000m, 199));
    }

    [Fact]
    public void FirstFailure_ZeroFieldsDisableTheirRule()
    {
        var open = new SymbolFilters();

        Assert.Null(open.FirstFailure(OrderType.Limit, 0.123456789m, 1.23456789m, 1m, 10_000));
    }
}
