using Platform.Activities;
using Platform.Binance.Trading;
using Platform.Domain.Execution;
using Platform.Domain.Models;
using Platform.Exchange.Simulator;
using Platform.Exchange.Simulator.Trading;
using Platform.LiveTrading.Execution;
using Platform.MarketData;
using Platform.Storage.Trading;
using Platform.TemporalServer.Tests;
using Platform.TestSupport;
using Temporalio.Client;
using Temporalio.Exceptions;
using static Platform.TestSupport.StreamingTestData;

namespace Platform.Workflows.Tests;

/// <summary>
/// TradingWorkflow end to end: klines on the embedded broker → the feature and trading activities → orders at the
/// simulator's trading API → the trading store; the kill switch by a Temporal update, status by query, pause and resume.
/// </summary>
[Collection(ServerGroup.Name)]
public sealed class TradingWorkflowTests(ServerFixture fixture) : IDisposable
{
    private const string ApiKey = "workflow-test-key";
    private const string ApiSecret = "workflow-test-secret";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private readonly string directory = Directory.CreateTempSubdirectory("platform-trading-wf-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public async Task RunAsync_KilledByUpdateThenResumed_NoOrderWhileKilledAndStatusReportsIt()
    {
        await using var bed = await KafkaTestBed.StartAsync();
        await using var simulator = await ExchangeSimulator.StartAsync(new SimulatorOptions
        {
            DataDirectory = MarketDataLoader.BundledDirectory,
            From = new DateTimeOffset(2022, 3, 1, 0, 0, 0, TimeSpan.Zero),
            To = new DateTimeOffset(2022, 3, 8, 0, 0, 0, TimeSpan.Zero),
            Speed = ReplaySpeed.Max,
            Port = 0,
            // The klines are synthetic (BTC near 40,000) while the simulator fills at March 2022's prices: cash to spare.
            Trading = new SimulatorTradingOptions { ApiKey = ApiKey, ApiSecret = ApiSecret, Balances = new Dictionary<string, decimal>(StringComparer.Ordinal) { ["USDT"] = 1_000_000m } },
        });
        await using var store = await SqliteTradingStore.OpenAsync(Path.Combine(directory, "trading.db"));
        var models = new Registry();
        // The test's klines are synthetic: the price band would refuse the simulator's real prices.
        var execution = new ExecutionOptions { Limits = new RiskLimits { PriceBand = null } };
        var trading = new TradingActivities(bed.Kafka, store, models, BinanceCredentials.Hmac(ApiKey, ApiSecret), execution);
        var live = new LiveDecisionActivities(bed.Kafka, bed.Store, models);
        using var worker = fixture.NewWorker(out var queue, o => o.AddWorkflow<TradingWorkflow>().AddAllActivities<ITradingActivities>(trading).AddAllActivities<ILiveDecisionActivities>(live));
        using var http = new HttpClient();
        var client = new BinanceTradingClient(http, new BinanceTradingOptions { BaseUri = simulator.BaseAddress }, BinanceCredentials.Hmac(ApiKey, ApiSecret));

        await worker.ExecuteAsync(async () =>
        {
            var id = $"{TradingWorkflow.IdFor("test-momentum", ModelAliases.Champion, "BTCUSDT")}-{Guid.NewGuid():N}";
            var request = new TradingWorkflow.Request("models:/test-momentum@champion", "BTCUSDT", "paper", simulator.BaseAddress.ToString(), TradeFrom: H(20), HeartbeatTimeoutSeconds: 5, StatusReportSeconds: 1);
            var handle = await fixture.Client.StartWorkflowAsync((TradingWorkflow wf) => wf.RunAsync(request), new WorkflowOptions(id, queue));

            await bed.PublishKlinesAsync(0, 60);
            await WaitAsync(async () => (await handle.QueryAsync(wf => wf.Status)).Report?.LastRow == H(59), "the first 40 bars traded");
            var before = await client.GetAllOrdersAsync("BTCUSDT", 1000);
            Assert.NotEmpty(before);

            await Assert.ThrowsAsync<WorkflowUpdateFailedException>(() => handle.ExecuteUpdateAsync(wf => wf.KillAsync(new TradingWorkflow.Control("", "no name"))));
            var killed = await handle.ExecuteUpdateAsync(wf => wf.KillAsync(new TradingWorkflow.Control("alice", "test stop")));
            Assert.Equal("killed by alice: test stop", killed);
            Assert.True((await store.GetKillSwitchAsync())!.Engaged);

            await bed.PublishKlinesAsync(60, 100);
            await WaitAsync(async () => (await handle.QueryAsync(wf => wf.Status)).Report is { LastRow: var row, KillSwitchEngaged: true } && row == H(99), "the killed bars decided");
            var whileKilled = await client.GetAllOrdersAsync("BTCUSDT", 1000);
            Assert.Equal(before.Count, whileKilled.Count);
            var status = await handle.QueryAsync(wf => wf.Status);
            Assert.Equal("paper", status.Report!.Mode);
            Assert.True(status.Report.RiskRejections > 0, "the bars after the kill that would trade were rejected");
            var stored = await store.GetPositionsAsync(TradingMode.Paper);
            Assert.Equal(Assert.Single(stored).Quantity, status.Report.Position);

            var resumed = await handle.ExecuteUpdateAsync(wf => wf.ResumeAsync(new TradingWorkflow.Control("bob", "checked")));
            Assert.Equal("resumed by bob: checked", resumed);
            Assert.False((await store.GetKillSwitchAsync())!.Engaged);
            await bed.PublishKlinesAsync(100, 140);
            await WaitAsync(async () => (await handle.QueryAsync(wf => wf.Status)).Report?.LastRow == H(139), "the bars after the resume traded");
            Assert.True((await client.GetAllOrdersAsync("BTCUSDT", 1000)).Count > whileKilled.Count, "orders go out again after the resume");

            await handle.SignalAsync(wf => wf.StopAsync("test done"));
            var result = await handle.GetResultAsync();
            Assert.Equal("test done", result.StoppedBecause);
            Assert.Equal(["killed by alice: test stop", "resumed by bob: checked"], result.Actions);
            await Histories.CheckAsync(handle, "trading");
        });

        var orders = await client.GetAllOrdersAsync("BTCUSDT", 1000);
        Assert.Equal(orders.Count, orders.Select(o => o.ClientOrderId).Distinct().Count());
    }

    private static async Task WaitAsync(Func<Task<bool>> done, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!await done())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting for {what}");
            }

            await Task.Delay(200);
        }
    }

    private sealed class Registry : IModelLoader
    {
        public Task<ITradingModel> LoadAsync(ModelReference reference, CancellationToken cancellationToken = default) =>
            Task.FromResult<ITradingModel>(new MomentumTestModel(Spec, "1"));
    }
}
