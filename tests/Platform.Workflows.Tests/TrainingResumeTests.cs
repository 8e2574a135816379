using Platform.Activities;
using Platform.TestSupport;
using Temporalio.Client;
using Temporalio.Worker;

namespace Platform.Workflows.Tests;

[Collection(TemporalGroup.Name)]
public sealed class TrainingResumeTests(TemporalFixture temporal) : IAsyncLifetime
{
    private readonly LifecycleFixture lifecycle = new();

    public Task InitializeAsync() => lifecycle.InitializeAsync();

    public Task DisposeAsync() => lifecycle.DisposeAsync();

    private TemporalWorker Worker(string queue) => new(temporal.Client, new TemporalWorkerOptions(queue)
        .AddWorkflow<TrainingWorkflow>()
        .AddAllActivities<ITrainingActivities>(new TrainingActivities(lifecycle.Store, lifecycle.Mlflow, lifecycle.Paths))
        .AddAllActivities<IRegistryActivities>(new RegistryActivities(lifecycle.Mlflow)));

    [Fact]
    public async Task Training_WorkerStoppedAfterAnEpoch_NextWorkerResumesFromCheckpointInSameRun()
    {
        var queue = $"tq-{Guid.NewGuid():N}";
        var start = new DateTimeOffset(2022, 10, 8, 0, 0, 0, TimeSpan.Zero);
        var request = new TrainingWorkflow.Request(
            "wf-resume", "BTCUSDT", start, start.AddDays(20), start.AddDays(20), start.AddDays(30), 0.001m, ["linear"],
            new TrainingHyperparameters(MaxEpochs: 6, Patience: 10, HiddenSize: 8), HeartbeatTimeout: TimeSpan.FromSeconds(3));
        var handle = await temporal.Client.StartWorkflowAsync((TrainingWorkflow w) => w.RunAsync(request), new WorkflowOptions($"resume-{Guid.NewGuid():N}", queue));
        var checkpoints = lifecycle.Paths.CheckpointDirectory;

        // First worker: runs until the first epoch is checkpointed, then goes away mid-training.
        using (var stop = new CancellationTokenSource())
        using (var first = Worker(queue))
        {
            var running = first.ExecuteAsync(stop.Token);
            for (var i = 0; i < 600 && !(Directory.Exists(checkpoints) && Directory.EnumerateFiles(checkpoints, "*.ckpt").Any()); i++)
            {
                await Task.Delay(50);
            }

            Assert.True(Directory.EnumerateFiles(checkpoints, "*.ckpt").Any(), "no checkpoint was written");
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        }

        using var second = Worker(queue);
        var result = await second.ExecuteAsync(() => handle.GetResultAsync());

        var candidate = Assert.Single(result.Candidates);
        Assert.Equal(6, candidate.Epochs);
        Assert.InRange(candidate.ResumedAfterEpoch, 1, 6); // the second attempt started from a checkpoint, not from scratch
        var runs = await lifecycle.Mlflow.SearchRunsAsync([(await lifecycle.Mlflow.GetExperimentByNameAsync("platform-training"))!.ExperimentId], $"tags.platform.workflow_id = '{handle.Id}'");
        var run = Assert.Single(runs.Runs);
        Assert.Equal(Platform.Mlflow.Protocol.RunStatus.Finished, run.Info.Status);
        var history = await lifecycle.Mlflow.GetMetricHistoryAsync(run.Info.RunId, "validation_score");
        Assert.Equal([1L, 2L, 3L, 4L, 5L, 6L], history.Select(m => m.Step).Distinct().Order());
        Assert.Empty(Directory.EnumerateFiles(checkpoints, "*.ckpt"));
    }
}
