using Platform.Activities;
using Platform.Domain.Promotion;
using Platform.TemporalServer.Tests;
using Platform.TestSupport;
using Temporalio.Client;

namespace Platform.Workflows.Tests;

[Collection(ServerGroup.Name)]
public sealed class RetrainingWorkflowTests(ServerFixture temporal) : IAsyncLifetime
{
    private readonly LifecycleFixture lifecycle = new();

    public Task InitializeAsync() => lifecycle.InitializeAsync();

    public Task DisposeAsync() => lifecycle.DisposeAsync();

    [Fact]
    public async Task RunAsync_AsOfEndOfBundledData_BackfillsTrainsAndPromotesThroughChildWorkflows()
    {
        using var worker = temporal.NewWorker(out var queue, o => o
            .AddWorkflow<RetrainingWorkflow>()
            .AddWorkflow<BackfillWorkflow>()
            .AddWorkflow<TrainingWorkflow>()
            .AddWorkflow<PromotionWorkflow>()
            .AddAllActivities<IMarketDataActivities>(new MarketDataActivities(lifecycle.Store, lifecycle.Paths))
            .AddAllActivities<ITrainingActivities>(new TrainingActivities(lifecycle.Store, lifecycle.Mlflow, lifecycle.Paths))
            .AddAllActivities<IRegistryActivities>(new RegistryActivities(lifecycle.Mlflow))
            .AddAllActivities<IPromotionActivities>(new PromotionActivities(lifecycle.Store, lifecycle.Mlflow, lifecycle.Audit)));
        var request = new RetrainingWorkflow.Request(
            "wf-retrain", ["BTCUSDT", "ETHUSDT", "BNBUSDT", "XRPUSDT", "LTCUSDT"], "BTCUSDT",
            TimeSpan.FromDays(30), TimeSpan.FromDays(15), TimeSpan.FromDays(30), 0.001m, ["linear", "lstm"],
            new TrainingHyperparameters(MaxEpochs: 1, HiddenSize: 8),
            new PromotionThresholds { MaxDrawdownPct = 100, MinTrades = 0, MinDeflatedSharpeProbability = 0 },
            TimeSpan.FromHours(1),
            AsOf: new DateTimeOffset(2023, 1, 1, 0, 0, 0, TimeSpan.Zero),
            AutoApprover: "retraining-test");

        var result = await worker.ExecuteAsync(async () =>
        {
            var handle = await temporal.Client.StartWorkflowAsync((RetrainingWorkflow w) => w.RunAsync(request), new WorkflowOptions($"retrain-{Guid.NewGuid():N}", queue));
            var r = await handle.GetResultAsync();
            await Histories.CheckAsync(handle, "retraining");
            return r;
        });

        Assert.Equal(new DateTimeOffset(2022, 10, 18, 0, 0, 0, TimeSpan.Zero), result.Backfill.Details[0].Chunk.From); // 30 + 15 + 30 days before as-of
        Assert.Equal(2, result.Training.Candidates.Count);
        Assert.Equal(PromotionWorkflow.Stage.Promoted, result.Promotion.Outcome);
        Assert.Equal(result.Training.ChallengerVersion, (await lifecycle.Mlflow.GetModelVersionByAliasAsync("wf-retrain", "champion")).Version);
    }
}
