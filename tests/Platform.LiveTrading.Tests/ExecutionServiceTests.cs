using Microsoft.Extensions.Logging;
using Platform.Binance.Trading;
using Platform.Domain.Backtesting;
using Platform.Domain.Execution;
using Platform.Domain.Features;
using Platform.Domain.MarketData;
using Platform.Exchange.Simulator;
using Platform.Exchange.Simulator.Trading;
using Platform.Kafka;
using Platform.LiveTrading.Execution;
using Platform.MarketData;
using Platform.Storage;
using Platform.Storage.Postgres;
using Platform.Storage.Trading;
using Platform.TestSupport;

namespace Platform.LiveTrading.Tests;

/// <summary>
/// The execution service on the platform's whole live path (simulator streams → Kafka → features → decisions → risk
/// guard → orders at the simulator's trading API → fills in the trading store), over a replayed month of the bundled data.
/// </summary>
public sealed class ExecutionServiceTests(PostgresServerFixture postgres) : IDisposable, IClassFixture<PostgresServerFixture>
{
    private const string ApiKey = "execution-test-key";
    private const string ApiSecret = "execution-test-secret";
    private static readonly DateTimeOffset MonthStart = new(2022, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset MonthEnd = MonthStart.AddMonths(1);
    private readonly string directory = Directory.CreateTempSubdirectory("platform-execution-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    /// <summary>
    /// The chaos test: the execution service dies at 20 seeded random points of the month (before and after store
    /// writes: around intents, sends, fills and bars), and the simulator accepts orders then answers 503 or hangs past the
    /// client's timeout. Every order reaches the exchange once, the stored position equals the exchange's balance, and
    /// the trades and equity are the backtest's.
    /// </summary>
    [Fact]
    public async Task PaperRun_KilledAtTwentyPointsWithAcceptThen5xxAndTimeouts_NoDuplicateOrderAndTheBacktestsRecord()
    {
        using var model = new MomentumTestModel(StreamingTestData.Spec, "1");
        var random = new Random(20221101);
        var points = Enumerable.Range(0, 20).Select(_ => random.Next(40, 1_400)).Distinct().ToList();
        while (points.Count < 20)
        {
            points = [.. points.Append(random.Next(40, 1_400)).Distinct()];
        }

        await using var simulator = await StartSimulatorAsync("order5xx=5,ordertimeout=7,hang=1");
        await using var sqlite = await SqliteTradingStore.OpenAsync(Path.Combine(directory, "trading.db"));
        var store = new CrashingTradingStore(sqlite, points);

        var result = await PaperAsync(simulator, model, store);

        Assert.Equal(20, store.Crashes);
        Assert.Equal(20, result.Restarts);
        var execution = result.Execution!;
        Assert.True(execution.StatusUnknown > 0, $"accept-then-5XX and timeouts were injected: {execution}");
        Assert.Null(execution.Halted);
        Assert.DoesNotContain(logs.Lines, line => line.Contains(ApiSecret, StringComparison.Ordinal));
        Assert.Contains(logs.Lines, line => line.Contains("status unknown", StringComparison.Ordinal));

        var reference = Reference(model);
        Assert.True(reference.Trades.Count >= 20, $"the model should trade in the month ({reference.Trades.Count} trades)");
        Assert.Equal(reference.Trades, result.Result.Trades);
        Assert.Equal(reference.OpenTimeMs, result.Result.OpenTimeMs);
        Assert.Equal(reference.Equity, result.Result.Equity);

        using var http = new HttpClient();
        var client = Client(simulator, http);
        var orders = await client.GetAllOrdersAsync("BTCUSDT", 1000);
        Assert.Equal(orders.Count, orders.Select(o => o.ClientOrderId).Distinct().Count());
        Assert.Equal(reference.Trades.Count, orders.Count);
        Assert.All(orders, o => Assert.Equal("FILLED", o.Status));

        var btc = (await client.GetAccountAsync()).Balance("BTC");
        var stored = Assert.Single(await sqlite.GetPositionsAsync(TradingMode.Paper));
        Assert.Equal(btc.Free + btc.Locked, stored.Quantity);
        Assert.Equal(result.Result.Trades[^1].PositionAfter, stored.Quantity);
        Assert.Empty(await sqlite.GetUnfinishedIntentsAsync(TradingMode.Paper));
        var storedOrders = await sqlite.GetOrdersAsync(new OrderQuery(MonthStart.AddDays(-1), TradingMode.Paper, "BTCUSDT"));
        Assert.Equal(orders.Select(o => o.ClientOrderId).Order(), storedOrders.Select(o => o.ClientOrderId).Order());
    }

    /// <summary>
    /// The whole process dies mid-month (its broker with it); started again on the same trading store and exchange, the
    /// run rebuilds the account from the store, reconciles, takes over the clock hold and trades the rest: the month's
    /// record is the backtest's, and no order went out twice.
    /// </summary>
    [Fact]
    public async Task PaperRun_ProcessDiedMidMonthThenStartedAgainOnItsStore_ResumesAndTradesAsTheBacktest()
    {
        using var model = new MomentumTestModel(StreamingTestData.Spec, "1");
        await using var simulator = await StartSimulatorAsync("");
        var path = Path.Combine(directory, "trading.db");
        await using (var first = await SqliteTradingStore.OpenAsync(path))
        {
            var dying = new CrashingTradingStore(first, [701]);
            await Assert.ThrowsAnyAsync<Exception>(() => PaperAsync(simulator, model, dying, maxRestarts: 0));
            Assert.Equal(1, dying.Crashes);
        }

        await using var sqlite = await SqliteTradingStore.OpenAsync(path);
        var result = await PaperAsync(simulator, model, sqlite);

        var reference = Reference(model);
        Assert.Equal(reference.Trades, result.Result.Trades);
        Assert.Equal(reference.OpenTimeMs, result.Result.OpenTimeMs);
        Assert.Equal(reference.Equity, result.Result.Equity);
        Assert.Contains(logs.Lines, line => line.Contains("Resuming the account", StringComparison.Ordinal));
        using var http = new HttpClient();
        var orders = await Client(simulator, http).GetAllOrdersAsync("BTCUSDT", 1000);
        Assert.Equal(reference.Trades.Count, orders.Count);
        Assert.Equal(orders.Count, orders.Select(o => o.ClientOrderId).Distinct().Count());
    }

    /// <summary>
    /// The kill switch engaged mid-month: the next decision that would trade is rejected and no order follows. On the
    /// embedded store and on PostgreSQL, where the run's orders and fills are then read back.
    /// </summary>
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task PaperRun_KillSwitchEngagedMidMonth_NoOrderAfterItAndTheRejectionStored(string storeKind)
    {
        using var model = new MomentumTestModel(StreamingTestData.Spec, "1");
        await using var simulator = await StartSimulatorAsync("");
        await using var schema = storeKind == "postgres" ? await postgres.CreateSchemaAsync() : null;
        await using SqlTradingStore sql = schema is null
            ? await SqliteTradingStore.OpenAsync(Path.Combine(directory, "trading.db"))
            : await PostgresTradingStore.OpenAsync(schema.Connection);
        var killAt = MonthStart.AddDays(10);
        var kill = new StoredKillSwitch(sql);
        var store = new CrashingTradingStore(sql, [])
        {
            OnWrite = async (operation, record) =>
            {
                if (record is TradingDecision decision && decision.OpenTime == killAt)
                {
                    await kill.EngageAsync("test", "mid-month stop");
                }
            },
        };

        var result = await PaperAsync(simulator, model, store);

        Assert.Contains(result.Result.Trades, t => t.Time < killAt);
        Assert.DoesNotContain(result.Result.Trades, t => t.Time >= killAt);
        using var http = new HttpClient();
        var orders = await Client(simulator, http).GetAllOrdersAsync("BTCUSDT", 1000);
        Assert.All(orders, o => Assert.True(o.Time <= killAt, $"order {o.ClientOrderId} at {o.Time:u} came after the kill switch"));
        var halts = (await sql.GetRiskEventsAsync(1000)).Where(e => e.Rule == RiskGuard.KillSwitchRule && e.Verdict == RiskVerdict.Halted).ToList();
        Assert.NotEmpty(halts);
        Assert.True(result.Execution!.RiskRejections >= 1);
        Assert.All(halts, e => Assert.Contains("mid-month stop", e.Reason, StringComparison.Ordinal));

        var stored = await sql.GetOrdersAsync(new OrderQuery(MonthStart.AddDays(-1), TradingMode.Paper, "BTCUSDT"));
        Assert.Equal(orders.Select(o => o.ClientOrderId).Order(), stored.Select(o => o.ClientOrderId).Order());
        foreach (var order in stored)
        {
            var fill = Assert.Single(await sql.GetFillsAsync(order.ClientOrderId));
            Assert.Equal(order.ExecutedQuantity, fill.Quantity);
            Assert.Equal(IntentStatus.Filled, (await sql.GetIntentAsync(order.ClientOrderId))!.Status);
        }
    }

    /// <summary>An order placed at the exchange behind the platform's back: the next reconciliation halts trading.</summary>
    [Fact]
    public async Task PaperRun_BalanceChangedBehindItsBack_ReconciliationHaltsAndNoFurtherOrder()
    {
        using var model = new MomentumTestModel(StreamingTestData.Spec, "1");
        await using var simulator = await StartSimulatorAsync("");
        await using var sqlite = await SqliteTradingStore.OpenAsync(Path.Combine(directory, "trading.db"));
        using var http = new HttpClient();
        var manualAt = MonthStart.AddDays(5);
        var store = new CrashingTradingStore(sqlite, [])
        {
            OnWrite = async (_, record) =>
            {
                if (record is TradingDecision decision && decision.OpenTime == manualAt)
                {
                    await Client(simulator, http).PlaceOrderAsync(new NewOrder("BTCUSDT", OrderSide.Buy, Platform.Binance.Trading.OrderType.Market, 0.001m, "manual-order"));
                }
            },
        };

        var result = await PaperAsync(simulator, model, store);

        Assert.Contains("reconciliation", result.Execution!.Halted, StringComparison.Ordinal);
        var mismatches = (await sqlite.GetRiskEventsAsync(1000)).Where(e => e.Rule == ExchangeExecutionPort.ReconciliationRule).ToList();
        Assert.NotEmpty(mismatches);
        Assert.All(mismatches, e => Assert.Equal((RiskVerdict.Halted, 0.001m), (e.Verdict, e.ObservedValue!.Value - e.LimitValue!.Value)));
        var engaged = await sqlite.GetKillSwitchAsync();
        Assert.True(engaged is { Engaged: true, By: "execution-service" }, $"the kill switch should be engaged by the execution service: {engaged}");
        var platformOrders = (await Client(simulator, http).GetAllOrdersAsync("BTCUSDT", 1000)).Where(o => o.ClientOrderId != "manual-order").ToList();
        Assert.All(platformOrders, o => Assert.True(o.Time <= manualAt.AddHours(25), $"order {o.ClientOrderId} at {o.Time:u} came after the halt"));
        Assert.Contains(result.Result.Trades, t => t.Time < manualAt);
    }

    private readonly RecordingLoggerProvider logs = new();

    private async Task<PaperRunResult> PaperAsync(ExchangeSimulator simulator, MomentumTestModel model, ITradingStore store, int maxRestarts = 100)
    {
        using var kafka = KafkaCluster.StartEmbedded();
        using var loggers = LoggerFactory.Create(b => b.AddProvider(logs));
        var run = new PaperTradingRun(kafka, new InMemoryMarketDataStore(), loggers);
        try
        {
            return await RunAsync(run, simulator, model, store, maxRestarts);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"The paper run failed ({e.Message}); last log lines:\n{logs.Tail(40)}\nsimulator: {simulator.Status}", e);
        }
    }

    private static Task<PaperRunResult> RunAsync(PaperTradingRun run, ExchangeSimulator simulator, MomentumTestModel model, ITradingStore store, int maxRestarts) =>
        run.RunAsync(model, model.Trading, new PaperRunOptions
        {
            Exchange = simulator.BaseAddress,
            MaxRestarts = maxRestarts,
            Execution = new PaperExecution(BinanceCredentials.Hmac(ApiKey, ApiSecret), store)
            {
                HoldName = "paper-execution-test",
                RequestTimeout = TimeSpan.FromMilliseconds(500),
                Options = new ExecutionOptions { UnknownQueryBackoff = TimeSpan.FromMilliseconds(200) },
            },
        }).WaitAsync(TimeSpan.FromMinutes(4));

    private static Task<ExchangeSimulator> StartSimulatorAsync(string faults) => ExchangeSimulator.StartAsync(new SimulatorOptions
    {
        DataDirectory = MarketDataLoader.BundledDirectory,
        From = MonthStart,
        To = MonthEnd,
        Speed = ReplaySpeed.Max,
        Port = 0,
        Faults = FaultSpec.Parse(faults),
        Trading = new SimulatorTradingOptions { ApiKey = ApiKey, ApiSecret = ApiSecret },
    });

    private static BinanceTradingClient Client(ExchangeSimulator simulator, HttpClient http) =>
        new(http, new BinanceTradingOptions { BaseUri = simulator.BaseAddress }, BinanceCredentials.Hmac(ApiKey, ApiSecret));

    private static BacktestResult Reference(MomentumTestModel model)
    {
        var spec = model.FeatureSpec;
        var data = MarketDataLoader.LoadDirectory(MarketDataLoader.BundledDirectory, KlineInterval.OneHour, [.. spec.Symbols]).Data;
        var market = MarketContext.Build(data, spec, "BTCUSDT");
        return Backtester.Run(market.Frame, market.Features, model.CreatePolicy("reference"), model.Trading, MonthStart, MonthEnd);
    }
}
