using Platform.TemporalServer.Tests;
using Platform.Activities;
using Platform.Storage;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace Platform.Workflows.Tests;

[Collection(ServerGroup.Name)]
public sealed class BackfillWorkflowTests(ServerFixture fixture)
{
    private static readonly DateTimeOffset From = new(2021, 3, 15, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task RunAsync_TwoSymbolsTwoMonths_FillsStoreAndSecondRunChangesNothing()
    {
        var store = new InMemoryMarketDataStore();
        var activities = new MarketDataActivities(store, new PlatformDataOptions());
        using var worker = fixture.NewWorker(out var queue, o => o.AddWorkflow<BackfillWorkflow>().AddAllActivities<IMarketDataActivities>(activities));
        var request = new BackfillWorkflow.Request(["BTCUSDT", "ETHUSDT"], "1h", From, From.AddMonths(1));

        var (first, second) = await worker.ExecuteAsync(async () =>
        {
            var handle = await fixture.Client.StartWorkflowAsync((BackfillWorkflow w) => w.RunAsync(request), new WorkflowOptions($"backfill-{Guid.NewGuid():N}", queue));
            var a = await handle.GetResultAsync();
            await Histories.CheckAsync(handle, "backfill");
            var b = await fixture.Client.ExecuteWorkflowAsync((BackfillWorkflow w) => w.RunAsync(request), new WorkflowOptions($"backfill-{Guid.NewGuid():N}", queue));
            return (a, b);
        });

        Assert.Equal(4, first.Chunks); // Mar 15–31 and Apr 1–14, per symbol
        Assert.Equal(2 * 31 * 24, first.Inserted); // no outage hour falls inside Mar 15 – Apr 15, 2021
        Assert.Equal(0, second.Inserted + second.Updated);
        Assert.Equal(first.Inserted, second.Unchanged);
        var stored = await store.ListAsync();
        Assert.Equal(2, stored.Count);
    }

    [Fact]
    public async Task RunAsync_EmptyRange_FailsWithoutRetrying()
    {
        var activities = new MarketDataActivities(new InMemoryMarketDataStore(), new PlatformDataOptions());
        using var worker = fixture.NewWorker(out var queue, o => o.AddWorkflow<BackfillWorkflow>().AddAllActivities<IMarketDataActivities>(activities));

        var empty = new BackfillWorkflow.Request(["BTCUSDT"], "1h", From, From);
        var e = await worker.ExecuteAsync(() => Assert.ThrowsAsync<WorkflowFailedException>(() =>
            fixture.Client.ExecuteWorkflowAsync((BackfillWorkflow w) => w.RunAsync(empty), new WorkflowOptions($"backfill-{Guid.NewGuid():N}", queue))));

        var failure = Assert.IsType<ApplicationFailureException>(e.InnerException);
        Assert.Equal("InvalidRequest", failure.ErrorType);
    }
}
