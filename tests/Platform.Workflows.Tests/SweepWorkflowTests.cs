using System.Collections.Concurrent;
using Platform.Activities;
using Platform.Domain.Evaluation;
using Platform.Learning.Agents;
using Platform.MarketData;
using Platform.TemporalServer.Tests;
using Platform.TestSupport;
using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Worker;

namespace Platform.Workflows.Tests;

[Collection(ServerGroup.Name)]
public sealed class SweepWorkflowTests(ServerFixture temporal) : IAsyncLifetime
{
    private static readonly DateTimeOffset Sep2022 = new(2022, 9, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly LifecycleFixture lifecycle = new();

    public Task InitializeAsync() => lifecycle.InitializeAsync();

    public Task DisposeAsync() => lifecycle.DisposeAsync();

    /// <summary>Two one-month test folds (Nov, Dec 2022), three tiny Linear trials, two rungs.</summary>
    private SweepWorkflow.Request Request() => new(
        new SweepTarget(MarketDataLoader.BundledDirectory, "1h", "BTCUSDT", 0.001m, Path.Combine(lifecycle.Directory, "sweep"), "sweep-tests", "wf-sweep"),
        new WalkForwardPlan { From = Sep2022, To = Sep2022.AddMonths(4), TrainMonths = 1, ValidateMonths = 1, TestMonths = 1, EmbargoHours = 24 },
        Trials: 3,
        Seed: 11,
        Space: SweepSearchSpace.Default with { HiddenSizes = [8], WindowLengths = [12, 24], MaxEpochs = 1, Seeds = [1, 2] },
        Rungs: 2,
        Eta: 2,
        MaxConcurrentTrials: 2);

    private TemporalWorker Worker(string queue, ISweepActivities activities) => new(temporal.Client, new TemporalWorkerOptions(queue)
        .AddWorkflow<SweepWorkflow>()
        .AddWorkflow<SweepTrialWorkflow>()
        .AddAllActivities<ISweepActivities>(activities));

    [Fact]
    public async Task Sweep_WorkerStoppedAfterATrial_NextWorkerFinishesWithoutRerunningItAndRegistersTheBest()
    {
        var queue = $"tq-{Guid.NewGuid():N}";
        var request = Request();
        var handle = await temporal.Client.StartWorkflowAsync((SweepWorkflow w) => w.RunAsync(request), new WorkflowOptions($"sweep-{Guid.NewGuid():N}", queue));
        var firstChild = temporal.Client.GetWorkflowHandle($"{handle.Id}/trial-0/rung-0");

        // First worker: runs until trial 0's first rung is complete, then goes away.
        using (var stop = new CancellationTokenSource())
        using (var first = Worker(queue, new SweepActivities(lifecycle.Mlflow, lifecycle.Audit)))
        {
            var running = first.ExecuteAsync(stop.Token);
            for (var i = 0; i < 2400 && !await IsCompletedAsync(firstChild); i++)
            {
                await Task.Delay(50);
            }

            Assert.True(await IsCompletedAsync(firstChild), "trial 0 never finished its first rung");
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        }

        var counting = new CountingSweepActivities(new SweepActivities(lifecycle.Mlflow, lifecycle.Audit));
        using var second = Worker(queue, counting);
        var result = await second.ExecuteAsync(() => handle.GetResultAsync());
        await Histories.CheckAsync(handle, "sweep");
        await Histories.CheckAsync(firstChild, "sweep-trial");

        Assert.DoesNotContain(counting.Folds, f => f.Trial == 0 && f.Fold == 0);
        Assert.Equal(3, result.Trials.Count);
        Assert.Equal(2, result.Trials.Count(t => t.Folds.Count == 2));
        Assert.Single(result.Trials, t => t.Status == "stopped at rung 0" && t.Folds.Count == 1);
        var best = result.Trials.Single(t => t.Index == result.Conclusion.BestTrial);
        Assert.Equal(result.Trials.Where(t => t.Folds.Count == 2).Max(t => t.Score), best.Score);
        Assert.InRange(result.Conclusion.ProbabilityOfOverfitting, 0, 1);
        Assert.InRange(result.Conclusion.DeflatedSharpeProbability, 0, 1);

        var leaderboard = File.ReadAllLines(Path.Combine(request.Target.OutputDirectory, "leaderboard.csv"));
        Assert.Equal(4, leaderboard.Length);
        Assert.StartsWith($"1,{best.Index},", leaderboard[1], StringComparison.Ordinal);
        using (var model = DqnModel.Load(Path.Combine(request.Target.OutputDirectory, "models", "best.dqn")))
        {
            Assert.Equal(best.Parameters.HiddenSize, model.Metadata.Network.HiddenSize);
        }

        var challenger = await lifecycle.Mlflow.GetModelVersionByAliasAsync("wf-sweep", "challenger");
        Assert.Equal(result.Conclusion.RegisteredVersion, challenger.Version);
        Assert.Contains(challenger.Tags, t => t.Key == "platform.pbo");
        Assert.Contains(challenger.Tags, t => t.Key == "platform.deflated_sharpe_probability");
        Assert.Contains(await lifecycle.Audit.ReadAsync(), e => e.WorkflowId == handle.Id && e.Action == "sweep_concluded" && e.Details.ContainsKey("platform.pbo"));
        var experiment = await lifecycle.Mlflow.GetExperimentByNameAsync("sweep-tests");
        var runs = await lifecycle.Mlflow.SearchRunsAsync([experiment!.ExperimentId], $"tags.`platform.sweep_id` = '{handle.Id}'");
        Assert.Equal(4, runs.Runs!.Count);
        Assert.Equal(3, runs.Runs.Count(r => r.Data?.Tags?.Any(t => t.Key == "mlflow.parentRunId" && t.Value == result.ParentRunId) == true));
    }

    [Fact]
    public void Sample_SameSeed_SameTrialsAndOtherSeedOthers()
    {
        var space = SweepSearchSpace.Default;

        var first = Enumerable.Range(0, 8).Select(i => space.Sample(42, i)).ToList();

        Assert.Equal(first, Enumerable.Range(0, 8).Select(i => space.Sample(42, i)));
        Assert.NotEqual(first, Enumerable.Range(0, 8).Select(i => space.Sample(43, i)));
    }

    [Theory]
    [InlineData(8, 3, 2, new[] { 2, 4, 8 })]
    [InlineData(8, 1, 2, new[] { 8 })]
    [InlineData(2, 3, 3, new[] { 1, 1, 2 })]
    public void FoldsAtRung_Halving_GrowsToEveryFold(int folds, int rungs, int eta, int[] expected) =>
        Assert.Equal(expected, Enumerable.Range(0, rungs).Select(r => SweepWorkflow.FoldsAtRung(folds, rungs, eta, r)));

    private static async Task<bool> IsCompletedAsync(WorkflowHandle handle)
    {
        try
        {
            return (await handle.DescribeAsync()).Status == WorkflowExecutionStatus.Completed;
        }
        catch (Temporalio.Exceptions.RpcException e) when (e.Code == Temporalio.Exceptions.RpcException.StatusCode.NotFound)
        {
            return false;
        }
    }

    /// <summary>Records which (trial, fold) pairs this worker trained.</summary>
    private sealed class CountingSweepActivities(ISweepActivities inner) : ISweepActivities
    {
        public ConcurrentBag<(int Trial, int Fold)> Folds { get; } = [];

        public Task<string> StartSweepAsync(StartSweepInput input) => inner.StartSweepAsync(input);

        public Task<string> StartTrialAsync(StartTrialInput input) => inner.StartTrialAsync(input);

        public Task<FoldScore> EvaluateTrialFoldAsync(EvaluateTrialFoldInput input)
        {
            Folds.Add((input.TrialIndex, input.Fold.Index));
            return inner.EvaluateTrialFoldAsync(input);
        }

        public Task LogTrialRungAsync(LogTrialRungInput input) => inner.LogTrialRungAsync(input);

        public Task<SweepConclusion> ConcludeAsync(ConcludeSweepInput input) => inner.ConcludeAsync(input);
    }
}
