using System.Collections.Concurrent;
using Platform.Activities;
using Platform.Domain.Execution;
using Platform.Domain.Models;
using Platform.TemporalServer.Tests;
using Platform.TestSupport;
using Temporalio.Client;
using Temporalio.Worker;
using static Platform.TestSupport.StreamingTestData;

namespace Platform.Workflows.Tests;

/// <summary>
/// LiveDecisionWorkflow end to end on the embedded broker: klines on <c>market.klines.1h</c> → the feature and decision
/// activities → <c>decisions</c>, across a worker that goes away mid-stream and a champion swap signalled to the workflow.
/// </summary>
[Collection(ServerGroup.Name)]
public sealed class LiveDecisionWorkflowTests(ServerFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task RunAsync_WorkerGoneMidStreamThenChampionSwapped_EveryDecisionOnceAndFromTheRightVersion()
    {
        await using var bed = await KafkaTestBed.StartAsync();
        var registry = new TestRegistry();
        var activities = new LiveDecisionActivities(bed.Kafka, bed.Store, registry);
        void Configure(TemporalWorkerOptions options) => options.AddWorkflow<LiveDecisionWorkflow>().AddAllActivities<ILiveDecisionActivities>(activities);
        using var second = fixture.NewWorker(out var queue, Configure);
        var firstOptions = new TemporalWorkerOptions(queue);
        Configure(firstOptions);
        var firstClient = await TemporalClient.ConnectAsync(new TemporalClientConnectOptions(fixture.TargetHost) { Namespace = fixture.Client.Options.Namespace });
        using var first = new TemporalWorker(firstClient, firstOptions);
        using var stopFirst = new CancellationTokenSource();
        var firstRun = first.ExecuteAsync(stopFirst.Token);

        await bed.PublishKlinesAsync(0, 40);
        var id = $"{LiveDecisionWorkflow.IdFor("test-momentum", ModelAliases.Champion, "BTCUSDT")}-{Guid.NewGuid():N}";
        var handle = await fixture.Client.StartWorkflowAsync(
            (LiveDecisionWorkflow wf) => wf.RunAsync(new LiveDecisionWorkflow.Request("models:/test-momentum@champion", "BTCUSDT", H(20), HeartbeatTimeoutSeconds: 3, StatusReportSeconds: 1)),
            new WorkflowOptions(id, queue));
        await WaitAsync(() => bed.Decisions().Count == 20, "the first worker's 20 decisions");

        var result = await second.ExecuteAsync(async () =>
        {
            // The first worker goes away; the second worker's attempts rebuild both services from Kafka and the store.
            await stopFirst.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => firstRun);
            // As a promotion does: the alias moves, then the workflow is told.
            registry.Champion = "2";
            await handle.SignalAsync(wf => wf.SwapModelAsync(new LiveDecisionWorkflow.ModelSwapRequest("2", "promoted", "alice")));
            await WaitAsync(() => registry.Loaded.Contains("2"), "the decision activity to load version 2");
            // The activity hands the loaded model to the service right after loading it; the next row is decided by it.
            await Task.Delay(500);
            await bed.PublishKlinesAsync(40, 70);
            await WaitAsync(() => bed.Decisions().Count >= 50, "all 50 decisions");
            await WaitForReportAsync(handle, H(69));
            var status = await handle.QueryAsync(wf => wf.Status);
            Assert.Equal("2", status.RequestedVersion);
            Assert.Equal("2", status.Report!.ModelVersion);
            await handle.SignalAsync(wf => wf.StopAsync("test done"));
            var done = await handle.GetResultAsync();
            await Histories.CheckAsync(handle, "live-decisions");
            return done;
        });

        Assert.Equal("test done", result.StoppedBecause);
        Assert.Equal(1, result.Swaps);
        var decisions = bed.Decisions();
        var expected = await ReferenceAsync(ReferenceRows(70));
        Assert.Equal(expected.Select(Comparable), decisions.Select(Comparable));
        Assert.All(decisions.Where(d => d.OpenTime < H(40)), d => Assert.Equal("1", d.ModelVersion));
        Assert.All(decisions.Where(d => d.OpenTime >= H(40)), d => Assert.Equal(("2", Domain.Trading.TradeAction.Hold), (d.ModelVersion, d.Action)));
    }

    /// <summary>One uninterrupted in-process run: version 1 up to hour 39, version 2 from hour 40.</summary>
    private static async Task<List<TradingDecision>> ReferenceAsync(List<Domain.Features.LiveFeatureRow> rows)
    {
        using var v1 = TestRegistry.Version("1");
        using var v2 = TestRegistry.Version("2");
        var loop = new LiveDecisionLoop(v1.CreateDecider(), v1.Identity, new PaperPositionPort(v1.Trading), "BTCUSDT", H(20));
        var decided = new List<TradingDecision>();
        decided.AddRange((await loop.OnRowsAsync([.. rows.Where(r => r.OpenTime < H(40))])).Select(d => d.Decision));
        loop.Swap(v2.CreateDecider(), v2.Identity);
        decided.AddRange((await loop.OnRowsAsync([.. rows.Where(r => r.OpenTime >= H(40))])).Select(d => d.Decision));
        return decided;
    }

    private static async Task WaitForReportAsync(WorkflowHandle<LiveDecisionWorkflow> handle, DateTimeOffset lastRow)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while ((await handle.QueryAsync(wf => wf.Status)).Report?.LastRow != lastRow)
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting for a status report with row {lastRow:u}");
            }

            await Task.Delay(100);
        }
    }

    private static async Task WaitAsync(Func<bool> done, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!done())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting for {what}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>The registry of the test: champion is version 1; version 2 always holds (so its decisions are recognisable).</summary>
    private sealed class TestRegistry : IModelLoader
    {
        public ConcurrentBag<string> Loaded { get; } = [];

        public volatile string Champion = "1";

        public static MomentumTestModel Version(string version) => new(Spec, version, holdBias: version == "2" ? 1_000f : 0f);

        public Task<ITradingModel> LoadAsync(ModelReference reference, CancellationToken cancellationToken = default)
        {
            var version = reference.Version ?? Champion;
            Loaded.Add(version);
            return Task.FromResult<ITradingModel>(Version(version));
        }
    }
}
