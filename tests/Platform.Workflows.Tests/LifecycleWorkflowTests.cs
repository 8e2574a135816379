using Platform.TemporalServer.Tests;
using Platform.Activities;
using Platform.Domain.Promotion;
using Platform.TestSupport;
using Temporalio.Client;
using Temporalio.Exceptions;
using Temporalio.Worker;

namespace Platform.Workflows.Tests;

/// <summary>Training → promotion → approval / rejection / timeout → rollback, through the real SDK on the embedded server.</summary>
[Collection(ServerGroup.Name)]
public sealed class LifecycleWorkflowTests(ServerFixture temporal) : IAsyncLifetime
{
    private static readonly DateTimeOffset Oct = new(2022, 10, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly PromotionThresholds Lenient = new() { MinSharpeImprovement = -1000, MaxDrawdownPct = 100, MinTrades = 0, MinDeflatedSharpeProbability = 0 };
    private readonly LifecycleFixture lifecycle = new();

    public Task InitializeAsync() => lifecycle.InitializeAsync();

    public Task DisposeAsync() => lifecycle.DisposeAsync();

    private TemporalWorker Worker(out string queue) => temporal.NewWorker(out queue, o => o
        .AddWorkflow<TrainingWorkflow>()
        .AddWorkflow<PromotionWorkflow>()
        .AddWorkflow<RollbackWorkflow>()
        .AddAllActivities<ITrainingActivities>(new TrainingActivities(lifecycle.Store, lifecycle.Mlflow, lifecycle.Paths))
        .AddAllActivities<IRegistryActivities>(new RegistryActivities(lifecycle.Mlflow))
        .AddAllActivities<IPromotionActivities>(new PromotionActivities(lifecycle.Store, lifecycle.Mlflow, lifecycle.Audit)));

    private static TrainingWorkflow.Request Training(string model) => new(
        model, "BTCUSDT", Oct.AddDays(7), Oct.AddMonths(1), Oct.AddMonths(1), Oct.AddMonths(1).AddDays(15), 0.001m, ["linear", "lstm"],
        new TrainingHyperparameters(MaxEpochs: 1, Patience: 1, HiddenSize: 8, Seed: 5));

    private static PromotionWorkflow.Request Promotion(string model, TimeSpan timeout, PromotionThresholds? thresholds = null, string? autoApprover = null) =>
        new(model, "BTCUSDT", Oct.AddMonths(2), Oct.AddMonths(3), 0.001m, thresholds ?? Lenient, timeout, null, autoApprover);

    private async Task<TrainingWorkflow.Result> TrainAsync(string model, string queue)
    {
        var handle = await temporal.Client.StartWorkflowAsync((TrainingWorkflow w) => w.RunAsync(Training(model)), new WorkflowOptions($"train-{Guid.NewGuid():N}", queue));
        var result = await handle.GetResultAsync();
        await Histories.CheckAsync(handle, "training");
        return result;
    }

    [Fact]
    public async Task TrainThenPromote_ApprovedByUpdate_MovesChampionAndAudits()
    {
        const string model = "wf-approve";
        using var worker = Worker(out var queue);
        await worker.ExecuteAsync(async () =>
        {
            var trained = await TrainAsync(model, queue);
            Assert.Equal(2, trained.Candidates.Count);
            var handle = await temporal.Client.StartWorkflowAsync((PromotionWorkflow w) => w.RunAsync(Promotion(model, TimeSpan.FromHours(1))), new WorkflowOptions($"promote-{Guid.NewGuid():N}", queue));
            await WaitForStageAsync(handle, PromotionWorkflow.Stage.AwaitingApproval);

            var noReason = new PromotionWorkflow.ApprovalDecision(trained.ChallengerVersion, "alice", "");
            await Assert.ThrowsAsync<WorkflowUpdateFailedException>(() => handle.ExecuteUpdateAsync(w => w.ApproveAsync(noReason)));
            var wrongVersion = new PromotionWorkflow.ApprovalDecision("999", "alice", "looks good");
            await Assert.ThrowsAsync<WorkflowUpdateFailedException>(() => handle.ExecuteUpdateAsync(w => w.ApproveAsync(wrongVersion)));
            var approval = new PromotionWorkflow.ApprovalDecision(trained.ChallengerVersion, "alice", "beats the champion out of sample");
            Assert.Equal(PromotionWorkflow.Stage.Promoted, await handle.ExecuteUpdateAsync(w => w.ApproveAsync(approval)));

            var result = await handle.GetResultAsync();
            await Histories.CheckAsync(handle, "promotion-approved");
            Assert.Equal(PromotionWorkflow.Stage.Promoted, result.Outcome);
            Assert.Equal("alice", result.DecidedBy);
            var champion = await lifecycle.Mlflow.GetModelVersionByAliasAsync(model, "champion");
            Assert.Equal(trained.ChallengerVersion, champion.Version);
            Assert.Contains(champion.Tags, t => t.Key == "platform.approved_by" && t.Value == "alice");
            var audit = await lifecycle.Audit.ReadAsync();
            Assert.Contains(audit, e => e.WorkflowId == handle.Id && e.Action == "promoted" && e.Actor == "alice");
            Assert.Contains(audit, e => e.WorkflowId == handle.Id && e.Action == "gate_evaluated");
        });
    }

    [Fact]
    public async Task Promote_NoApprovalBeforeTimeout_Rejected()
    {
        const string model = "wf-timeout";
        using var worker = Worker(out var queue);
        await worker.ExecuteAsync(async () =>
        {
            await TrainAsync(model, queue);

            var handle = await temporal.Client.StartWorkflowAsync((PromotionWorkflow w) => w.RunAsync(Promotion(model, TimeSpan.FromSeconds(2))), new WorkflowOptions($"promote-{Guid.NewGuid():N}", queue));
            var result = await handle.GetResultAsync();
            await Histories.CheckAsync(handle, "promotion-timeout");

            Assert.Equal(PromotionWorkflow.Stage.Rejected, result.Outcome);
            Assert.Equal("timeout", result.DecidedBy);
        });
    }

    [Fact]
    public async Task Promote_GateFails_RejectedWithoutAskingAnyone()
    {
        const string model = "wf-gate";
        using var worker = Worker(out var queue);
        await worker.ExecuteAsync(async () =>
        {
            await TrainAsync(model, queue);
            var strict = Lenient with { MinTrades = 1_000_000 };

            var result = await temporal.Client.ExecuteWorkflowAsync((PromotionWorkflow w) => w.RunAsync(Promotion(model, TimeSpan.FromHours(1), strict)), new WorkflowOptions($"promote-{Guid.NewGuid():N}", queue));

            Assert.Equal(PromotionWorkflow.Stage.Rejected, result.Outcome);
            Assert.Equal("gate", result.DecidedBy);
            Assert.Contains("trades", result.Reason, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task RejectThenAutoApproveThenRollback_RestoresPreviousChampion()
    {
        const string model = "wf-rollback";
        using var worker = Worker(out var queue);
        await worker.ExecuteAsync(async () =>
        {
            var first = await TrainAsync(model, queue);
            var handle = await temporal.Client.StartWorkflowAsync((PromotionWorkflow w) => w.RunAsync(Promotion(model, TimeSpan.FromHours(1))), new WorkflowOptions($"promote-{Guid.NewGuid():N}", queue));
            await WaitForStageAsync(handle, PromotionWorkflow.Stage.AwaitingApproval);
            var rejection = new PromotionWorkflow.ApprovalDecision(first.ChallengerVersion, "bob", "drawdown too deep for my taste");
            Assert.Equal(PromotionWorkflow.Stage.Rejected, await handle.ExecuteUpdateAsync(w => w.RejectAsync(rejection)));
            Assert.Equal(PromotionWorkflow.Stage.Rejected, (await handle.GetResultAsync()).Outcome);

            var auto = Promotion(model, TimeSpan.FromHours(1), autoApprover: "demo");
            var promoted = await temporal.Client.ExecuteWorkflowAsync((PromotionWorkflow w) => w.RunAsync(auto), new WorkflowOptions($"promote-{Guid.NewGuid():N}", queue));
            Assert.Equal(PromotionWorkflow.Stage.Promoted, promoted.Outcome);
            var second = await TrainAsync(model, queue);
            var again = await temporal.Client.ExecuteWorkflowAsync((PromotionWorkflow w) => w.RunAsync(auto), new WorkflowOptions($"promote-{Guid.NewGuid():N}", queue));
            Assert.Equal(PromotionWorkflow.Stage.Promoted, again.Outcome);
            Assert.Equal(first.ChallengerVersion, again.PreviousChampion);

            var rollbackHandle = await temporal.Client.StartWorkflowAsync((RollbackWorkflow w) => w.RunAsync(new RollbackWorkflow.Request(model, "carol", "live slippage worse than backtest")), new WorkflowOptions($"rollback-{Guid.NewGuid():N}", queue));
            var rollback = await rollbackHandle.GetResultAsync();
            await Histories.CheckAsync(rollbackHandle, "rollback");

            Assert.Equal(first.ChallengerVersion, rollback.RestoredVersion);
            Assert.Equal(second.ChallengerVersion, rollback.ReplacedVersion);
            Assert.Equal(first.ChallengerVersion, (await lifecycle.Mlflow.GetModelVersionByAliasAsync(model, "champion")).Version);
        });
    }

    [Fact]
    public async Task Promote_NoChallenger_FailsNonRetryable()
    {
        using var worker = Worker(out var queue);
        var e = await worker.ExecuteAsync(() => Assert.ThrowsAsync<WorkflowFailedException>(() =>
            temporal.Client.ExecuteWorkflowAsync((PromotionWorkflow w) => w.RunAsync(Promotion("wf-none", TimeSpan.FromHours(1))), new WorkflowOptions($"promote-{Guid.NewGuid():N}", queue))));

        Assert.Equal("NoChallenger", Assert.IsType<ApplicationFailureException>(e.InnerException).ErrorType);
    }

    private static async Task WaitForStageAsync(WorkflowHandle<PromotionWorkflow, PromotionWorkflow.Result> handle, PromotionWorkflow.Stage stage)
    {
        for (var attempt = 0; attempt < 600; attempt++)
        {
            if (await handle.QueryAsync(w => w.CurrentStage) == stage)
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"Workflow {handle.Id} never reached {stage}.");
    }
}
