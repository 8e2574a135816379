using System.Collections.Concurrent;
using System.Diagnostics;
using Platform.Binance.Trading;
using Platform.Exchange.Simulator;
using Platform.Exchange.Simulator.Trading;
using Platform.Kafka;
using Platform.MarketData;
using Platform.Storage;
using Platform.Storage.Trading;
using Platform.TestSupport;

namespace Platform.LiveTrading.Tests;

/// <summary>
/// One trace per hourly decision across the live path: the kline's receipt → its Kafka record (traceparent header) →
/// the feature row → the decision → the risk check with every rule's verdict → the order at the exchange → the fills stored.
/// </summary>
public sealed class DecisionTraceTests : IDisposable
{
    private const string ApiKey = "trace-test-key";
    private const string ApiSecret = "trace-test-secret";
    private readonly string directory = Directory.CreateTempSubdirectory("platform-trace-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public async Task PaperRun_DecisionThatTrades_IsOneTraceFromKlineReceiptToFillStored()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name.StartsWith("Platform", StringComparison.Ordinal) || source.Name.StartsWith("Binance", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        var from = new DateTimeOffset(2022, 11, 1, 0, 0, 0, TimeSpan.Zero);
        await using var simulator = await ExchangeSimulator.StartAsync(new SimulatorOptions
        {
            DataDirectory = MarketDataLoader.BundledDirectory,
            From = from,
            To = from.AddDays(3),
            Speed = ReplaySpeed.Max,
            Port = 0,
            Trading = new SimulatorTradingOptions { ApiKey = ApiKey, ApiSecret = ApiSecret },
        });
        await using var store = await SqliteTradingStore.OpenAsync(Path.Combine(directory, "trading.db"));
        using var model = new MomentumTestModel(StreamingTestData.Spec, "7");
        using var kafka = KafkaCluster.StartEmbedded();

        var result = await new PaperTradingRun(kafka, new InMemoryMarketDataStore()).RunAsync(model, model.Trading, new PaperRunOptions
        {
            Exchange = simulator.BaseAddress,
            Execution = new PaperExecution(BinanceCredentials.Hmac(ApiKey, ApiSecret), store),
        });

        Assert.NotEmpty(result.Result.Trades);
        var all = spans.ToList();
        // The listener sees every test's spans in this process: take an order of this run's model (version 7).
        var order = all.First(s => s.OperationName == "execute order"
            && all.Any(c => c.ParentSpanId == s.SpanId && c.OperationName.StartsWith("binance.trade POST api/v3/order", StringComparison.Ordinal))
            && all.Any(d => d.TraceId == s.TraceId && d.OperationName == "decision" && (string?)d.GetTagItem("model.version") == "7"));
        var trace = all.Where(s => s.TraceId == order.TraceId).ToList();
        var names = trace.Select(s => s.OperationName).ToHashSet();
        foreach (var expected in new[] { "kline received", "produce market.klines.1h", "features.row", $"produce features.{StreamingTestData.Spec.Name}.v1", "decision", "execute order", "risk check", "store fills" })
        {
            Assert.True(names.Contains(expected), $"the trace should hold '{expected}'; it has: {string.Join(", ", names.Order())}");
        }

        var root = Assert.Single(trace, s => s.ParentSpanId == default);
        Assert.Equal("kline received", root.OperationName);
        var decision = Assert.Single(trace, s => s.OperationName == "decision");
        Assert.Equal(("test-momentum", "7", "run-7", StreamingTestData.Spec.ContentHash), ((string?)decision.GetTagItem("model.name"), (string?)decision.GetTagItem("model.version"), (string?)decision.GetTagItem("model.run_id"), (string?)decision.GetTagItem("features.spec_hash")));
        var risk = Assert.Single(trace, s => s.OperationName == "risk check");
        foreach (var rule in new[] { "kill_switch", "max_drawdown", "stale_decision", "max_orders_per_hour", "max_order_notional", "price_band", "exchange_filters" })
        {
            Assert.Equal("allowed", risk.GetTagItem("risk." + rule));
        }

        Assert.Equal("paper", order.GetTagItem("trading.mode"));
        Assert.All(trace, s => Assert.True(s.ParentSpanId == default || trace.Any(p => p.SpanId == s.ParentSpanId), $"span {s.OperationName} has its parent in the trace"));
    }
}
