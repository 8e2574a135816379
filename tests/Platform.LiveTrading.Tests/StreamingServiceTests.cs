using Platform.Domain;
using Platform.Domain.Execution;
using Platform.Domain.Features;
using Platform.Domain.Models;
using Platform.Domain.Trading;
using Platform.Kafka;
using Platform.TestSupport;
using static Platform.TestSupport.StreamingTestData;

namespace Platform.LiveTrading.Tests;

/// <summary>
/// The feature and decision services on the embedded broker (a fresh cluster per test: the services' topic names are
/// fixed). Each compares what reached Kafka with one uninterrupted in-process computation of the same klines.
/// </summary>
public sealed class StreamingServiceTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly FeatureSpec Spec = StreamingTestData.Spec;

    [Fact]
    public async Task FeatureService_RestartMidStream_EveryRowOnceAndBitEqualToOneUninterruptedRun()
    {
        await using var bed = await KafkaTestBed.StartAsync();
        var (cluster, store, writer) = (bed.Kafka, bed.Store, bed.Writer);
        var options = new FeatureServiceOptions { Spec = Spec, Symbol = "BTCUSDT", EmitFrom = H(10), RowGrace = TimeSpan.FromMinutes(5) };

        // First run: hours 0..79 of both symbols and BTC's hour 80, whose row waits for ETH's hour 80 when it stops.
        await bed.PublishKlinesAsync(0, 6);
        await WaitAsync(() => writer.Stats.ClosedKlines >= 12);
        using (var first = new KafkaFeatureService(cluster, store, options))
        {
            await first.StartAsync();
            await bed.PublishKlinesAsync(6, 80);
            await bed.PublishKlineAsync("BTCUSDT", 80);
            await PumpAsync(() => first.ProcessBatchAsync(TimeSpan.FromMilliseconds(50)), () => first.Stats.Klines >= 161);
            Assert.Equal(H(79), first.Stats.LastRow);
        }

        // Second run: the rest of the stream, ETH's hour 80 first; the windows come back from the market store.
        await bed.PublishKlineAsync("ETHUSDT", 80);
        await bed.PublishKlinesAsync(81, 120);
        using (var second = new KafkaFeatureService(cluster, store, options))
        {
            await second.StartAsync();
            await PumpAsync(() => second.ProcessBatchAsync(TimeSpan.FromMilliseconds(50)), () => second.Stats.LastRow == H(119));
            Assert.True(second.Stats.WarmedKlines > 0);
        }

        var published = KafkaTopicReader.ReadToEnd(cluster.Connection, PlatformTopics.Features(Spec)).Select(r => r.Value!).ToList();
        var expected = ReferenceRows(120).Where(r => r.OpenTime >= H(10)).ToList();
        Assert.Equal(expected.Select(r => r.OpenTime), published.Select(r => r.OpenTime));
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Values.Select(BitConverter.SingleToInt32Bits), published[i].Values.Select(BitConverter.SingleToInt32Bits));
            Assert.Equal(expected[i].Complete, published[i].Complete);
            Assert.Equal(Spec.ContentHash, published[i].SpecHash);
            Assert.Contains(AlignedLiveFeatures.KlineId("ETHUSDT", expected[i].OpenTime.ToUnixTimeMilliseconds()), published[i].KlineIds);
        }
    }

    [Fact]
    public async Task DecisionService_RestartMidStream_NoDecisionMissingOrDoubledAndSameAsInProcess()
    {
        await using var bed = await KafkaTestBed.StartAsync(PlatformTopics.Features(Spec).Definition);
        var (cluster, producer) = (bed.Kafka, bed.Producer);
        var rows = ReferenceRows(120);
        var options = new DecisionServiceOptions { Symbol = "BTCUSDT", TradeFrom = H(20) };
        using var model = new MomentumTestModel(Spec, "1");

        await PublishRowsAsync(producer, rows.Take(70));
        using (var first = new KafkaDecisionService(cluster, model, options))
        {
            await first.StartAsync();
            await PumpAsync(() => first.ProcessBatchAsync(TimeSpan.FromMilliseconds(50)), () => first.Status.LastRow == H(69));
        }

        await PublishRowsAsync(producer, rows.Skip(70));
        using var second = new KafkaDecisionService(cluster, model, options);
        await second.StartAsync();
        await PumpAsync(() => second.ProcessBatchAsync(TimeSpan.FromMilliseconds(50)), () => second.Status.LastRow == H(119));

        var decisions = bed.Decisions();
        var (reference, referencePort) = await InProcessAsync(model, rows, H(20));
        Assert.Equal(reference.Select(Comparable), decisions.Select(Comparable));
        Assert.Equal(100, decisions.Select(d => d.DecisionId).Distinct().Count());
        Assert.Contains(decisions, d => d.Action == TradeAction.Buy);
        Assert.Contains(decisions, d => d.Action == TradeAction.Sell);
        Assert.Equal(referencePort.Session.Trades, ((PaperPositionPort)second.Port).Session.Trades);
    }

    [Fact]
    public async Task DecisionService_SwapRequestedMidStream_EveryLaterRowFromTheNewVersionNoneSkipped()
    {
        await using var bed = await KafkaTestBed.StartAsync(PlatformTopics.Features(Spec).Definition);
        var (cluster, producer) = (bed.Kafka, bed.Producer);
        var rows = ReferenceRows(60);
        using var model = new MomentumTestModel(Spec, "1");
        using var service = new KafkaDecisionService(cluster, model, new DecisionServiceOptions { Symbol = "BTCUSDT", TradeFrom = H(20) });
        await service.StartAsync();

        await PublishRowsAsync(producer, rows.Take(40));
        await PumpAsync(() => service.ProcessBatchAsync(TimeSpan.FromMilliseconds(50)), () => service.Status.LastRow == H(39));
        service.RequestSwap(new MomentumTestModel(Spec, "2", holdBias: 1_000f), "promotion signal");
        await PublishRowsAsync(producer, rows.Skip(40));
        await PumpAsync(() => service.ProcessBatchAsync(TimeSpan.FromMilliseconds(50)), () => service.Status.LastRow == H(59));

        var decisions = bed.Decisions();
        Assert.Equal(Enumerable.Range(20, 40).Select(H), decisions.Select(d => d.OpenTime));
        Assert.All(decisions.Where(d => d.OpenTime < H(40)), d => Assert.Equal("1", d.ModelVersion));
        Assert.All(decisions.Where(d => d.OpenTime >= H(40)), d => Assert.Equal(("2", TradeAction.Hold), (d.ModelVersion, d.Action)));
        var swap = Assert.Single(service.Status.Swaps);
        Assert.Equal(("1", "2", H(39)), (swap.From.Version, swap.To.Version, swap.AfterRow));
    }

    [Fact]
    public async Task DecisionService_FollowedAliasMoves_RegistryPollSwapsBeforeTheNextRow()
    {
        await using var bed = await KafkaTestBed.StartAsync(PlatformTopics.Features(Spec).Definition);
        var (cluster, producer) = (bed.Kafka, bed.Producer);
        var rows = ReferenceRows(50);
        var registry = new MovableRegistry();
        using var model = new MomentumTestModel(Spec, "1");
        var options = new DecisionServiceOptions { Symbol = "BTCUSDT", TradeFrom = H(20), Follow = ModelReference.Parse("models:/test-momentum@champion"), RegistryPoll = TimeSpan.FromMilliseconds(1) };
        using var service = new KafkaDecisionService(cluster, model, options, loader: registry);
        await service.StartAsync();

        await PublishRowsAsync(producer, rows.Take(30));
        await PumpAsync(() => service.ProcessBatchAsync(TimeSpan.FromMilliseconds(50)), () => service.Status.LastRow == H(29));
        registry.Champion = "2";
        await PublishRowsAsync(producer, rows.Skip(30));
        await PumpAsync(() => service.ProcessBatchAsync(TimeSpan.FromMilliseconds(50)), () => service.Status.LastRow == H(49));

        Assert.Equal(Enumerable.Range(20, 30).Select(h => h < 30 ? "1" : "2"), service.Decided.Select(d => d.Decision.ModelVersion));
        Assert.Contains("registry poll", Assert.Single(service.Status.Swaps).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DecisionService_ModelOfAnotherSpecHash_IsRefusedWithTheReason()
    {
        await using var bed = await KafkaTestBed.StartAsync(PlatformTopics.Features(Spec).Definition);
        var (cluster, producer) = (bed.Kafka, bed.Producer);
        await PublishRowsAsync(producer, ReferenceRows(10));
        using var model = new MomentumTestModel(Spec with { Lookback = 5 }, "1");
        using var service = new KafkaDecisionService(cluster, model, new DecisionServiceOptions { Symbol = "BTCUSDT" });
        await service.StartAsync();

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => PumpAsync(() => service.ProcessBatchAsync(TimeSpan.FromMilliseconds(50)), () => false));

        Assert.Contains("features it was not trained on", error.Message, StringComparison.Ordinal);
        Assert.Empty(KafkaTopicReader.ReadToEnd(cluster.Connection, PlatformTopics.Decisions));
    }

    private static async Task PublishRowsAsync(KafkaProducer producer, IEnumerable<LiveFeatureRow> rows)
    {
        foreach (var row in rows)
        {
            await producer.ProduceAsync(PlatformTopics.Features(Spec), "BTCUSDT", StreamedFeatureRow.From(row, Spec, "BTCUSDT", DateTimeOffset.UtcNow));
        }
    }

    private static async Task<(IReadOnlyList<TradingDecision> Decisions, PaperPositionPort Port)> InProcessAsync(MomentumTestModel model, IReadOnlyList<LiveFeatureRow> rows, DateTimeOffset tradeFrom)
    {
        var port = new PaperPositionPort(model.Trading);
        var loop = new LiveDecisionLoop(model.CreateDecider(), model.Identity, port, "BTCUSDT", tradeFrom);
        await loop.OnRowsAsync(rows);
        return ([.. loop.Decided.Select(d => d.Decision)], port);
    }

    private static async Task PumpAsync(Func<Task> step, Func<bool> done)
    {
        var deadline = DateTimeOffset.UtcNow + Timeout;
        while (!done())
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException("The service did not get there in time.");
            }

            await step();
        }
    }

    private static async Task WaitAsync(Func<bool> done) => await PumpAsync(() => Task.Delay(20), done);

    /// <summary>A registry whose champion alias moves when the test says so.</summary>
    private sealed class MovableRegistry : IModelLoader
    {
        public volatile string Champion = "1";

        public Task<ITradingModel> LoadAsync(ModelReference reference, CancellationToken cancellationToken = default) =>
            Task.FromResult<ITradingModel>(new MomentumTestModel(Spec, Champion));
    }
}
