using Platform.Domain.Trading;

namespace Platform.Binance.Trading.Tests;

public sealed class SimulatorTradingTests
{
    /// <summary>A market order as the backtest's session places it: the domain's sizing, fill model and booking.</summary>
    private static Trade PlaceLikeTheBacktest(Account account, TradeAction action, decimal price)
    {
        var fills = new CloseWithSlippageFillModel(account.Options.SlippageBps);
        var order = OrderSizing.For(action, account, price, fills) ?? throw new InvalidOperationException($"the backtest places no {action} order");
        return account.Apply(fills.Execute(order, TradingHarness.From, price));
    }

    [Fact]
    public async Task PlaceOrder_MarketBuyThenSell_FillsLikeTheBacktestToTheLastDecimal()
    {
        await using var simulator = await TradingHarness.StartAsync(trading: t => t.SlippageBps = 7.5m);
        using var http = new HttpClient();
        var client = TradingHarness.Client(simulator, http);
        var last = await TradingHarness.LastPriceAsync(simulator, http);
        var backtest = new Account(new TradingOptions { SlippageBps = 7.5m, SizeValue = 0.5m });
        var buy = PlaceLikeTheBacktest(backtest, TradeAction.Buy, last);

        var bought = await client.PlaceOrderAsync(new NewOrder("BTCUSDT", OrderSide.Buy, OrderType.Market, buy.Quantity, "parity-buy"));
        var sell = PlaceLikeTheBacktest(backtest, TradeAction.Sell, last);
        var sold = await client.PlaceOrderAsync(new NewOrder("BTCUSDT", OrderSide.Sell, OrderType.Market, sell.Quantity, "parity-sell"));
        var account = await client.GetAccountAsync();

        Assert.Equal(("FILLED", buy.Quantity, buy.FillPrice, buy.Fee), (bought.Status, bought.ExecutedQty, bought.Fills.Single().Price, bought.Fills.Single().Commission));
        Assert.Equal(buy.Notional, bought.CumulativeQuoteQty);
        Assert.Equal(("FILLED", sell.FillPrice, sell.Fee, "USDT"), (sold.Status, sold.Fills.Single().Price, sold.Fills.Single().Commission, sold.Fills.Single().CommissionAsset));
        Assert.Equal(backtest.Cash, account.Balance("USDT").Free);
        Assert.Equal(0m, account.Balance("BTC").Free);
        Assert.Equal(0.001m, account.TakerCommission);
    }

    [Fact]
    public async Task Endpoints_LimitOrderLifecycle_AnswerLikeBinance()
    {
        await using var simulator = await TradingHarness.StartAsync();
        using var http = new HttpClient();
        var client = TradingHarness.Client(simulator, http);
        var last = await TradingHarness.LastPriceAsync(simulator, http);
        var restingPrice = Math.Floor(last * 0.5m);

        await client.TestOrderAsync(new NewOrder("BTCUSDT", OrderSide.Buy, OrderType.Limit, 0.01m, "test-only") { Price = restingPrice });
        var placed = await client.PlaceOrderAsync(new NewOrder("BTCUSDT", OrderSide.Buy, OrderType.Limit, 0.01m, "rest-1") { Price = restingPrice });
        var open = await client.GetOpenOrdersAsync("BTCUSDT");
        var locked = (await client.GetAccountAsync()).Balance("USDT");
        var queried = await client.GetOrderAsync("BTCUSDT", "rest-1");
        var canceled = await client.CancelOrderAsync("BTCUSDT", "rest-1");
        var cancelAgain = await Assert.ThrowsAsync<BinanceTradingException>(() => client.CancelOrderAsync("BTCUSDT", "rest-1"));
        var all = await client.GetAllOrdersAsync("BTCUSDT");
        var after = (await client.GetAccountAsync()).Balance("USDT");

        Assert.Equal(("NEW", 0m), (placed.Status, placed.ExecutedQty));
        Assert.Equal("rest-1", Assert.Single(open).ClientOrderId);
        Assert.Equal(0.01m * restingPrice * 1.001m, locked.Locked);
        Assert.Equal(10_000m, locked.Free + locked.Locked);
        Assert.Equal((placed.OrderId, "NEW", restingPrice), (queried!.OrderId, queried.Status, queried.Price));
        Assert.Equal("CANCELED", canceled.Status);
        Assert.Equal((BinanceErrorKind.UnknownOrder, -2011), (cancelAgain.Kind, cancelAgain.Code));
        Assert.Equal(["rest-1"], all.Select(o => o.ClientOrderId));
        Assert.Equal((10_000m, 0m), (after.Free, after.Locked));
        Assert.Empty(await client.GetMyTradesAsync("BTCUSDT"));
        Assert.Null(await client.GetOrderAsync("BTCUSDT", "never-sent"));
    }

    [Fact]
    public async Task LimitOrder_ReplayTradesThroughItsPrice_FillsAtTheLimitAsMaker()
    {
        await using var simulator = await TradingHarness.StartAsync();
        using var http = new HttpClient();
        var client = TradingHarness.Client(simulator, http);
        var week = simulator.ReplayedKlines("BTCUSDT");
        var low = week.Min(k => k.Low);
        var price = Math.Ceiling(low) + 1m;
        var firstCross = week.First(k => k.Low <= price);

        await client.PlaceOrderAsync(new NewOrder("BTCUSDT", OrderSide.Buy, OrderType.Limit, 0.02m, "dip-buy") { Price = price });
        await client.PlaceOrderAsync(new NewOrder("BTCUSDT", OrderSide.Buy, OrderType.Limit, 0.02m, "never") { Price = Math.Floor(low) - 100m });
        await TradingHarness.ReplayToEndAsync(simulator);
        var filled = await client.GetOrderAsync("BTCUSDT", "dip-buy");
        var trade = Assert.Single(await client.GetMyTradesAsync("BTCUSDT"));
        var account = await client.GetAccountAsync();

        Assert.Equal(("FILLED", 0.02m, 0.02m * price), (filled!.Status, filled.ExecutedQty, filled.CumulativeQuoteQty));
        Assert.Equal((price, 0.02m, 0.02m * price * 0.001m, true, true), (trade.Price, trade.Quantity, trade.Commission, trade.IsBuyer, trade.IsMaker));
        Assert.Equal(firstCross.OpenTime + TimeSpan.FromHours(1), trade.Time);
        Assert.Equal("NEW", (await client.GetOrderAsync("BTCUSDT", "never"))!.Status);
        Assert.Equal(0.02m, account.Balance("BTC").Free);
        Assert.Equal(10_000m - (0.02m * price * 1.001m), account.Balance("USDT").Free + account.Balance("USDT").Locked);
    }

    [Fact]
    public async Task PlaceOrder_RepeatedClientOrderId_RejectedAsDuplicateAndNotPlacedTwice()
    {
        await using var simulator = await TradingHarness.StartAsync();
        using var http = new HttpClient();
        var client = TradingHarness.Client(simulator, http);
        var order = new NewOrder("BTCUSDT", OrderSide.Buy, OrderType.Market, 0.001m, "once");

        await client.PlaceOrderAsync(order);
        var e = await Assert.ThrowsAsync<BinanceTradingException>(() => client.PlaceOrderAsync(order));

        Assert.Equal((BinanceErrorKind.NewOrderRejected, -2010), (e.Kind, e.Code));
        Assert.Contains("Duplicate order sent.", e.Message, StringComparison.Ordinal);
        Assert.Single(await client.GetAllOrdersAsync("BTCUSDT"));
    }

    [Fact]
    public async Task PlaceOrder_Refusals_AreTypedWithBinanceCodes()
    {
        await using var simulator = await TradingHarness.StartAsync(trading: t => t.Balances["BTC"] = 0.5m);
        using var http = new HttpClient();
        var client = TradingHarness.Client(simulator, http);

        var broke = await Assert.ThrowsAsync<BinanceTradingException>(() => client.PlaceOrderAsync(new NewOrder("BTCUSDT", OrderSide.Buy, OrderType.Market, 5m, "too-big")));
        var oversell = await Assert.ThrowsAsync<BinanceTradingException>(() => client.PlaceOrderAsync(new NewOrder("BTCUSDT", OrderSide.Sell, OrderType.Market, 0.6m, "oversell")));
        var lot = await Assert.ThrowsAsync<BinanceTradingException>(() => client.PlaceOrderAsync(new NewOrder("BTCUSDT", OrderSide.Buy, OrderType.Market, 0.0000001m, "dust")));
        var tick = await Assert.ThrowsAsync<BinanceTradingException>(() => client.PlaceOrderAsync(new NewOrder("BTCUSDT", OrderSide.Buy, OrderType.Limit, 0.001m, "tick") { Price = 30_000.005m }));
        var precision = await Assert.ThrowsAsync<BinanceTradingException>(() => client.PlaceOrderAsync(new NewOrder("BTCUSDT", OrderSide.Buy, OrderType.Market, 0.123456789m, "precise")));
        var symbol = await Assert.ThrowsAsync<BinanceTradingException>(() => client.PlaceOrderAsync(new NewOrder("DOGEUSDT", OrderSide.Buy, OrderType.Market, 1m, "doge")));
        var filtered = await Assert.ThrowsAsync<BinanceTradingException>(() => client.PlaceFilteredOrderAsync(new NewOrder("BTCUSDT", OrderSide.Buy, OrderType.Market, 0.00005m, "small"), 50_000m));

        Assert.Equal((BinanceErrorKind.NewOrderRejected, -2010), (broke.Kind, broke.Code));
        Assert.Contains("insufficient balance", broke.Message, StringComparison.Ordinal);
        Assert.Equal(BinanceErrorKind.NewOrderRejected, oversell.Kind);
        Assert.Equal((BinanceErrorKind.FilterFailure, "LOT_SIZE"), (lot.Kind, lot.Filter));
        Assert.Equal((BinanceErrorKind.FilterFailure, "PRICE_FILTER"), (tick.Kind, tick.Filter));
        Assert.Equal((BinanceErrorKind.Rejected, -1111), (precision.Kind, precision.Code));
        Assert.Equal((BinanceErrorKind.Rejected, -1121), (symbol.Kind, symbol.Code));
        Assert.Equal((BinanceErrorKind.FilterFailure, "NOTIONAL", 0), (filtered.Kind, filtered.Filter, filtered.HttpStatus));
        Assert.Empty(await client.GetAllOrdersAsync("BTCUSDT"));
    }

    [Fact]
    public async Task PlaceFilteredOrder_UnroundedQuantity_RoundedToTheExchangeStepAndFilled()
    {
        await using var simulator = await TradingHarness.StartAsync();
        using var http = new HttpClient();
        var client = TradingHarness.Client(simulator, http);
        var last = await TradingHarness.LastPriceAsync(simulator, http);

        var order = await client.PlaceFilteredOrderAsync(new NewOrder("BTCUSDT", OrderSide.Buy, OrderType.Market, 0.0123456789m, "rounded"), last);

        Assert.Equal((0.01234m, "FILLED"), (order.ExecutedQty, order.Status));
    }

    [Theory]
    [InlineData("order5xx=1")]
    [InlineData("ordertimeout=1,hang=20")]
    public async Task PlaceOrder_AcceptedThenNoDefiniteAnswer_StatusUnknownAndTheQueryFindsTheOneOrder(string faults)
    {
        await using var simulator = await TradingHarness.StartAsync(faults);
        using var http = new HttpClient();
        var client = TradingHarness.Client(simulator, http, configure: o => o.RequestTimeout = TimeSpan.FromSeconds(1));

        var unknown = await Assert.ThrowsAsync<BinanceOrderStatusUnknownException>(() => client.PlaceOrderAsync(new NewOrder("BTCUSDT", OrderSide.Buy, OrderType.Market, 0.001m, "maybe")));
        var resolved = await client.ResolveUnknownAsync(unknown);

        Assert.Equal(("BTCUSDT", "maybe"), (unknown.Symbol, unknown.ClientOrderId));
        Assert.Equal(("maybe", "FILLED", 0.001m), (resolved!.ClientOrderId, resolved.Status, resolved.ExecutedQty));
        Assert.Single(await client.GetAllOrdersAsync("BTCUSDT"));
        Assert.Single(await client.GetMyTradesAsync("BTCUSDT"));
    }

    [Fact]
    public async Task PlaceOrder_InjectedReject2010_NotPlacedSoTheQueryFindsNothing()
    {
        await using var simulator = await TradingHarness.StartAsync("reject2010=1");
        using var http = new HttpClient();
        var client = TradingHarness.Client(simulator, http);

        var e = await Assert.ThrowsAsync<BinanceTradingException>(() => client.PlaceOrderAsync(new NewOrder("BTCUSDT", OrderSide.Buy, OrderType.Market, 0.001m, "refused")));

        Assert.Equal((BinanceErrorKind.NewOrderRejected, -2010, 400), (e.Kind, e.Code, e.HttpStatus));
        Assert.Null(await client.GetOrderAsync("BTCUSDT", "refused"));
        Assert.Equal(10_000m, (await client.GetAccountAsync()).Balance("USDT").Free);
    }

    [Fact]
    public async Task PlaceOrder_429Burst_RateLimitedWithRetryAfterAndNeverPlaced()
    {
        await using var simulator = await TradingHarness.StartAsync("order429=2,burst=2,retryafter=3");
        using var http = new HttpClient();
        var client = TradingHarness.Client(simulator, http);
        NewOrder Order(string id) => new("BTCUSDT", OrderSide.Buy, OrderType.Market, 0.001m, id);

        await client.PlaceOrderAsync(Order("o1"));
        var first = await Assert.ThrowsAsync<BinanceTradingException>(() => client.PlaceOrderAsync(Order("o2")));
        var second = await Assert.ThrowsAsync<BinanceTradingException>(() => client.PlaceOrderAsync(Order("o2")));
        var placed = await client.PlaceOrderAsync(Order("o2"));

        Assert.Equal((BinanceErrorKind.RateLimited, -1015, 429, TimeSpan.FromSeconds(3)), (first.Kind, first.Code, first.HttpStatus, first.RetryAfter));
        Assert.Equal(BinanceErrorKind.RateLimited, second.Kind);
        Assert.Equal("FILLED", placed.Status);
        Assert.Equal(["o1", "o2"], (await client.GetAllOrdersAsync("BTCUSDT")).Select(o => o.ClientOrderId));
    }

    [Fact]
    public async Task PlaceOrder_OverTheOrdersLimit_429TooManyOrders()
    {
        await using var simulator = await TradingHarness.StartAsync(trading: t => t.OrdersPer10Seconds = 2);
        using var http = new HttpClient();
        var client = TradingHarness.Client(simulator, http);

        await client.PlaceOrderAsync(new NewOrder("BTCUSDT", OrderSide.Buy, OrderType.Market, 0.001m, "a"));
        await client.PlaceOrderAsync(new NewOrder("BTCUSDT", OrderSide.Buy, OrderType.Market, 0.001m, "b"));
        var e = await Assert.ThrowsAsync<BinanceTradingException>(() => client.PlaceOrderAsync(new NewOrder("BTCUSDT", OrderSide.Buy, OrderType.Market, 0.001m, "c")));

        Assert.Equal((BinanceErrorKind.RateLimited, -1015), (e.Kind, e.Code));
        Assert.NotNull(e.RetryAfter);
    }

    [Fact]
    public async Task Reads_Injected5xxAnd429_RetriedUntilAnswered()
    {
        await using var simulator = await TradingHarness.StartAsync("rest5xx=2,rest429=3,retryafter=0");
        using var http = new HttpClient();
        var client = TradingHarness.Client(simulator, http);

        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(10_000m, (await client.GetAccountAsync()).Balance("USDT").Free);
        }

        Assert.True(simulator.Status.Rest5xx > 0 && simulator.Status.Rest429 > 0);
    }

    [Fact]
    public async Task SignedRequest_LocalClockDrifts_Minus1021ResyncsAndSucceeds()
    {
        await using var simulator = await TradingHarness.StartAsync();
        using var http = new HttpClient();
        var clock = new SkewedTimeProvider();
        var client = TradingHarness.Client(simulator, http, time: clock);
        await client.GetAccountAsync();

        clock.Skew = TimeSpan.FromSeconds(30);
        var account = await client.GetAccountAsync();

        Assert.Equal(10_000m, account.Balance("USDT").Free);
        Assert.InRange(client.ServerTimeOffset.TotalSeconds, -31, -29);
    }

    [Fact]
    public async Task SignedRequest_WrongSecretOrKey_AuthenticationRefused()
    {
        await using var simulator = await TradingHarness.StartAsync();
        using var http = new HttpClient();
        var badSecret = TradingHarness.Client(simulator, http, BinanceCredentials.Hmac(TradingHarness.ApiKey, "wrong-secret"));
        var badKey = TradingHarness.Client(simulator, http, BinanceCredentials.Hmac("someone-else", TradingHarness.ApiSecret));

        var signature = await Assert.ThrowsAsync<BinanceTradingException>(() => badSecret.GetAccountAsync());
        var key = await Assert.ThrowsAsync<BinanceTradingException>(() => badKey.PlaceOrderAsync(new NewOrder("BTCUSDT", OrderSide.Buy, OrderType.Market, 0.001m, "x")));

        Assert.Equal((BinanceErrorKind.Authentication, -1022), (signature.Kind, signature.Code));
        Assert.Equal((BinanceErrorKind.Authentication, -2015, 401), (key.Kind, key.Code, key.HttpStatus));
    }

    [Fact]
    public async Task SignedRequest_Ed25519Key_AcceptedBySimulatorHoldingThePublicKey()
    {
        var signer = new Ed25519Signer(Convert.FromHexString("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7"));
        await using var simulator = await TradingHarness.StartAsync(trading: t => (t.ApiSecret, t.Ed25519PublicKeyPem) = (null, signer.PublicKeyPem()));
        using var http = new HttpClient();
        var client = TradingHarness.Client(simulator, http, new BinanceCredentials(TradingHarness.ApiKey, signer));

        var order = await client.PlaceOrderAsync(new NewOrder("BTCUSDT", OrderSide.Buy, OrderType.Market, 0.001m, "ed-1"));
        var hmac = TradingHarness.Client(simulator, http);

        Assert.Equal("FILLED", order.Status);
        Assert.Equal(-1022, (await Assert.ThrowsAsync<BinanceTradingException>(() => hmac.GetAccountAsync())).Code);
    }

    [Fact]
    public async Task Secrets_FailuresAndUnknownStatus_NeverInLogsTracesOrExceptions()
    {
        await using var simulator = await TradingHarness.StartAsync("order5xx=2");
        using var http = new HttpClient();
        var logger = new CapturingLogger<BinanceTradingClient>();
        var tags = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = s => s.Name == BinanceInstrumentation.Name,
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a => tags.Enqueue(a.DisplayName + " " + a.StatusDescription + " " + string.Join(' ', a.TagObjects.Select(t => t.Key + "=" + t.Value))),
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        var clock = new SkewedTimeProvider();
        var credentials = BinanceCredentials.Hmac(TradingHarness.ApiKey, TradingHarness.ApiSecret);
        var client = TradingHarness.Client(simulator, http, credentials, logger, clock);
        var errors = new List<Exception>();
        async Task Capture(Func<Task> action)
        {
            try
            {
                await action();
            }
            catch (Exception e)
            {
                errors.Add(e);
            }
        }

        await Capture(() => client.PlaceOrderAsync(new NewOrder("BTCUSDT", OrderSide.Buy, OrderType.Market, 0.001m, "s1")));
        await Capture(() => client.PlaceOrderAsync(new NewOrder("BTCUSDT", OrderSide.Buy, OrderType.Market, 0.001m, "s2")));
        clock.Skew = TimeSpan.FromSeconds(-40);
        await Capture(() => client.PlaceOrderAsync(new NewOrder("BTCUSDT", OrderSide.Buy, OrderType.Market, 100m, "s3")));
        await Capture(() => TradingHarness.Client(simulator, http, BinanceCredentials.Hmac(TradingHarness.ApiKey, "x" + TradingHarness.ApiSecret), logger).GetAccountAsync());
        await Capture(() => Task.FromResult(BinanceCredentials.FromSecretsFile("/nonexistent/secrets.env")));
        var texts = logger.Lines.Concat(tags).Concat(errors.Select(e => e.ToString())).Append(credentials.ToString()).Append(credentials.Signer.ToString()!).ToList();

        Assert.Equal(4, errors.Count);
        Assert.Contains(errors, e => e is BinanceOrderStatusUnknownException);
        Assert.Contains(logger.Lines, l => l.Contains("resyncing", StringComparison.Ordinal));
        Assert.NotEmpty(tags);
        Assert.All(texts, t => Assert.DoesNotContain(TradingHarness.ApiSecret, t, StringComparison.Ordinal));
        Assert.All(texts, t => Assert.DoesNotContain(TradingHarness.ApiKey, t, StringComparison.Ordinal));
        Assert.All(texts, t => Assert.DoesNotContain("signature=", t, StringComparison.Ordinal));
    }
}
