using System.Collections.Concurrent;
using Platform.Activities;
using Platform.Domain.MarketData;
using Platform.Exchange.Simulator;
using Platform.Kafka;
using Platform.MarketData;
using Platform.Storage;
using Platform.TemporalServer.Tests;
using Temporalio.Activities;
using Temporalio.Client;
using Temporalio.Worker;

namespace Platform.Workflows.Tests;

/// <summary>
/// End to end on the live path: the simulated exchange (with faults) → MarketStreamWorkflow's activity → Kafka (the
/// embedded broker) → market-store-writer → market store, compared kline by kline with the replayed data.
/// </summary>
[Collection(ServerGroup.Name)]
public sealed class MarketStreamWorkflowTests(ServerFixture fixture)
{
    private static readonly DateTimeOffset From = new(2022, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset To = From.AddDays(21);
    private static readonly string[] Symbols = ["BTCUSDT", "ETHUSDT"];

    [Fact]
    public async Task RunAsync_FaultyExchange_StoreHoldsExactlyTheReplayedKlinesAndDlqEveryMalformedMessage()
    {
        // Paced (100 simulated hours per second) so the whole replay goes over the WebSocket, faults included.
        await using var live = await LivePath.StartAsync(FaultSpec.Parse("drop=500,malformed=1000,duplicate=300"), hoursPerSecond: 100);
        using var worker = live.NewWorker(fixture, out var queue);

        var handle = await worker.ExecuteAsync(async () =>
        {
            var handle = await live.StartStreamAsync(fixture, queue);
            await live.WaitUntilStoreCompleteAsync();
            await WaitForReportAsync(handle);
            var remove = new MarketStreamWorkflow.SymbolsChange(["ETHUSDT"]);
            await handle.ExecuteUpdateAsync(wf => wf.RemoveSymbolsAsync(remove));
            await handle.SignalAsync(wf => wf.StopAsync("test done"));
            var result = await handle.GetResultAsync();
            Assert.Equal(["BTCUSDT"], result.Symbols);
            Assert.Equal("test done", result.StoppedBecause);
            await Histories.CheckAsync(handle, "market-stream");
            return handle;
        });

        await live.AssertStoreExactAsync();
        var status = live.Simulator.Status;
        Assert.True(status.Dropped > 0 && status.Duplicated > 0, $"faults injected: {status.Malformed} malformed, {status.Dropped} drops, {status.Duplicated} duplicates");
        var letters = live.ReadDeadLetters();
        Assert.Equal(status.Malformed, letters.Count);
        Assert.All(letters, l => Assert.False(string.IsNullOrWhiteSpace(l.Reason)));
        Assert.All(letters, l => Assert.False(string.IsNullOrEmpty(l.RawPayload)));
        Assert.NotNull(handle);
    }

    [Fact]
    public async Task RunAsync_WorkerCutOffMidStream_AnotherWorkerTakesOverAfterHeartbeatTimeoutAndStoreIsExact()
    {
        await using var live = await LivePath.StartAsync(FaultSpec.None, hoursPerSecond: 200);
        using var second = live.NewWorker(fixture, out var queue);
        await using var cutter = new ConnectionCutter(fixture.TargetHost);
        var first = await live.NewWorkerAsync(fixture, queue, cutter.Address);
        using var stopFirst = new CancellationTokenSource();
        var firstRun = first.ExecuteAsync(stopFirst.Token);

        var handle = await live.StartStreamAsync(fixture, queue, backfillFrom: From);
        await live.WaitUntilStoredAsync(100);
        var result = await second.ExecuteAsync(async () =>
        {
            // The first worker's host is cut off mid-stream: no completion, no failure, no heartbeat reaches the server,
            // so only the heartbeat timeout tells it; the second worker's attempt then backfills the gap. (The cut-off
            // worker's stream runs on in this process, as a partitioned host's would: the store absorbs its klines.)
            cutter.Cut();
            await WaitUntilAsync(() => !live.Attempts.IsEmpty, "the second worker to start the stream");
            await live.WaitUntilStoreCompleteAsync();
            await handle.SignalAsync(wf => wf.StopAsync("test done"));
            return await handle.GetResultAsync();
        });

        Assert.Equal(Symbols, result.Symbols);
        await live.AssertStoreExactAsync();
        Assert.True(live.Attempts.TryPeek(out var attempt) && attempt >= 2, $"the second worker's first start was attempt {attempt}: the first attempt did not time out");
        await stopFirst.CancelAsync();
        // The cut-off worker cannot reach the server any more: its shutdown is abandoned, as a dead host's would be.
        await Task.WhenAny(firstRun, Task.Delay(TimeSpan.FromSeconds(5)));
    }

    private static async Task WaitUntilAsync(Func<bool> done, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!done())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(100);
        }
    }

    private static async Task WaitForReportAsync(WorkflowHandle<MarketStreamWorkflow> handle)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var status = await handle.QueryAsync(wf => wf.Status);
            if (status.Report is { ClosedKlines: > 0 } report && report.LastClosedOpenTime.Count == Symbols.Length)
            {
                return;
            }

            await Task.Delay(200);
        }

        Assert.Fail("the stream never reported its status");
    }

    /// <summary>Simulator, embedded Kafka, the store writer and the market store of one test.</summary>
    private sealed class LivePath : IAsyncDisposable
    {
        private readonly CancellationTokenSource stop = new();
        private readonly Task writerLoop;
        private readonly KafkaProducer producer;
        private readonly MarketStoreWriter writer;

        private LivePath(ExchangeSimulator simulator, KafkaCluster kafka)
        {
            Simulator = simulator;
            Kafka = kafka;
            producer = new KafkaProducer(kafka.Connection, "e2e");
            writer = new MarketStoreWriter(kafka.Connection, Store, producer);
            writerLoop = Task.Factory.StartNew(() => writer.RunAsync(stop.Token), stop.Token, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
        }

        public ExchangeSimulator Simulator { get; }

        public KafkaCluster Kafka { get; }

        public InMemoryMarketDataStore Store { get; } = new();

        public static async Task<LivePath> StartAsync(FaultSpec faults, double? hoursPerSecond = null)
        {
            var kafka = KafkaCluster.StartEmbedded();
            await kafka.EnsureTopicsAsync(PlatformTopics.All);
            var simulator = await ExchangeSimulator.StartAsync(new SimulatorOptions
            {
                DataDirectory = MarketDataLoader.BundledDirectory,
                From = From,
                To = To,
                Speed = hoursPerSecond is { } h ? new ReplaySpeed(h) : ReplaySpeed.Max,
                Port = 0,
                Faults = faults,
            });
            return new LivePath(simulator, kafka);
        }

        /// <summary>Attempt numbers of the stream activity as the worker of <see cref="NewWorker"/> started them.</summary>
        public ConcurrentQueue<int> Attempts { get; } = new();

        public TemporalWorker NewWorker(ServerFixture fixture, out string queue) =>
            fixture.NewWorker(out queue, options => options.AddWorkflow<MarketStreamWorkflow>().AddAllActivities<IMarketStreamActivities>(new RecordingStreamActivities(new MarketStreamActivities(producer, Store), Attempts)));

        /// <summary>A second worker process in miniature: its own client connection, the same task queue.</summary>
        public async Task<TemporalWorker> NewWorkerAsync(ServerFixture fixture, string queue, string address)
        {
            var options = new TemporalWorkerOptions(queue);
            Configure(options);
            var client = await TemporalClient.ConnectAsync(new TemporalClientConnectOptions(address) { Namespace = fixture.Client.Options.Namespace });
            return new TemporalWorker(client, options);
        }

        /// <param name="backfillFrom">Null: the first connection streams everything (the simulator's clock waits for it); later reconnects backfill.</param>
        public Task<WorkflowHandle<MarketStreamWorkflow, MarketStreamWorkflow.Result>> StartStreamAsync(ServerFixture fixture, string queue, DateTimeOffset? backfillFrom = null) =>
            fixture.Client.StartWorkflowAsync(
                (MarketStreamWorkflow wf) => wf.RunAsync(new MarketStreamWorkflow.Request(Symbols, "1h", Simulator.BaseAddress.AbsoluteUri, backfillFrom, HeartbeatTimeoutSeconds: 3, StatusReportSeconds: 1)),
                new WorkflowOptions($"market-stream-{Guid.NewGuid():N}", queue));

        public async Task WaitUntilStoredAsync(int perSymbol)
        {
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (DateTime.UtcNow < deadline)
            {
                var stored = await Store.ListAsync();
                if (Symbols.All(s => stored.FirstOrDefault(i => i.Symbol == s)?.Count >= perSymbol))
                {
                    return;
                }

                await Task.Delay(100);
            }

            Assert.Fail($"the store did not reach {perSymbol} klines per symbol: {string.Join(", ", (await Store.ListAsync()).Select(i => $"{i.Symbol} {i.Count}"))}");
        }

        public async Task WaitUntilStoreCompleteAsync()
        {
            await Simulator.Finished.WaitAsync(TimeSpan.FromSeconds(120));
            await WaitUntilStoredAsync(Expected(Symbols[0]).Count);
        }

        public async Task AssertStoreExactAsync()
        {
            foreach (var symbol in Symbols)
            {
                var stored = await Store.ReadAsync(symbol, KlineInterval.OneHour, From.AddYears(-1), To.AddYears(1));
                Assert.Equal(Expected(symbol).Klines, stored.Klines);
            }
        }

        public List<KlineDeadLetter> ReadDeadLetters()
        {
            using var consumer = new KafkaTopicConsumer<string, KlineDeadLetter>(Kafka.Connection, PlatformTopics.KlineDeadLetters, $"e2e-{Guid.NewGuid():N}");
            var letters = new List<KlineDeadLetter>();
            var quiet = 0;
            while (quiet < 3)
            {
                var batch = consumer.ConsumeBatch(1_000, TimeSpan.FromMilliseconds(500));
                quiet = batch.Count == 0 ? quiet + 1 : 0;
                letters.AddRange(batch.Select(r => r.Value!));
            }

            return letters;
        }

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            await writerLoop;
            writer.Dispose();
            producer.Dispose();
            await Simulator.DisposeAsync();
            Kafka.Dispose();
            stop.Dispose();
        }

        private static KlineSeries Expected(string symbol)
        {
            var all = MarketDataLoader.LoadDirectory(MarketDataLoader.BundledDirectory, KlineInterval.OneHour, [symbol]).Data.Series[symbol];
            return new KlineSeries(symbol, KlineInterval.OneHour, [.. all.Klines.Where(k => k.OpenTime >= From && k.OpenTime < To)]);
        }

        private void Configure(TemporalWorkerOptions options) =>
            options.AddWorkflow<MarketStreamWorkflow>().AddAllActivities<IMarketStreamActivities>(new MarketStreamActivities(producer, Store));
    }

    /// <summary>The stream activity, noting which attempt each start is.</summary>
    private sealed class RecordingStreamActivities(IMarketStreamActivities inner, ConcurrentQueue<int> attempts) : IMarketStreamActivities
    {
        [Activity("RunMarketStream")]
        public Task RunMarketStreamAsync(MarketStreamActivityInput input)
        {
            attempts.Enqueue(ActivityExecutionContext.Current.Info.Attempt);
            return inner.RunMarketStreamAsync(input);
        }
    }
}
