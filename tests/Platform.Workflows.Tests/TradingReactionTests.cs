using Platform.Domain.Promotion;
using Platform.TemporalServer.Tests;
using Temporalio.Activities;
using Temporalio.Client;
using Temporalio.Workflows;

namespace Platform.Workflows.Tests;

/// <summary>
/// TradingWorkflow's reactions to what the trading service reports: a drawdown halt starts the rollback, a rolling
/// Sharpe below the bound starts the retraining — each once, with trading going on. The children are recording stand-ins
/// registered under the real workflows' names; the activities report a chosen state and then run until cancelled.
/// </summary>
[Collection(ServerGroup.Name)]
public sealed class TradingReactionTests(ServerFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task RunAsync_DrawdownHaltReported_StartsTheRollbackOnceAndKeepsTrading()
    {
        var report = Report(halted: "max_drawdown: drawdown 61 % from the peak 10000 exceeds 50 %", sharpe: null);
        var status = await RunUntilAsync(report, new TradingWorkflow.Request("models:/test-momentum@champion", "BTCUSDT", "paper", "http://127.0.0.1:1/", HeartbeatTimeoutSeconds: 2, StatusReportSeconds: 1), s => s.RollbackWorkflowId is not null);

        var child = fixture.Client.GetWorkflowHandle(status.RollbackWorkflowId!);
        var rollback = await child.GetResultAsync<RollbackWorkflow.Result>();
        Assert.Equal("test-momentum", rollback.RestoredVersion);
        Assert.Contains("drawdown", rollback.ReplacedVersion, StringComparison.Ordinal);
        Assert.Null(status.RetrainingWorkflowId);
        Assert.Single(status.Actions, a => a.StartsWith("drawdown halt", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_RollingSharpeBelowTheBound_StartsTheRetrainingOnce()
    {
        var retraining = new RetrainingWorkflow.Request("test-momentum", ["BTCUSDT"], "BTCUSDT", TimeSpan.FromDays(30), TimeSpan.FromDays(10), TimeSpan.FromDays(10), 0.001m, ["linear"], new TrainingHyperparameters(), new PromotionThresholds(), TimeSpan.FromHours(1));
        var request = new TradingWorkflow.Request("models:/test-momentum@champion", "BTCUSDT", "paper", "http://127.0.0.1:1/", HeartbeatTimeoutSeconds: 2, StatusReportSeconds: 1, RetrainBelowSharpe: 0.5, Retraining: retraining);
        var status = await RunUntilAsync(Report(halted: null, sharpe: -1.2), request, s => s.RetrainingWorkflowId is not null);

        var child = fixture.Client.GetWorkflowHandle(status.RetrainingWorkflowId!);
        Assert.Equal("test-momentum", await child.GetResultAsync<string>());
        Assert.Null(status.RollbackWorkflowId);
        Assert.Single(status.Actions, a => a.StartsWith("rolling Sharpe -1.2 below 0.5", StringComparison.Ordinal));
    }

    private async Task<TradingWorkflow.TradingStatus> RunUntilAsync(TradingReport report, TradingWorkflow.Request request, Func<TradingWorkflow.TradingStatus, bool> done)
    {
        var activities = new ReportingActivities(report);
        using var worker = fixture.NewWorker(out var queue, o => o
            .AddWorkflow<TradingWorkflow>()
            .AddWorkflow<RecordingRollback>()
            .AddWorkflow<RecordingRetraining>()
            .AddAllActivities<ITradingActivities>(activities)
            .AddAllActivities<ILiveDecisionActivities>(activities));
        return await worker.ExecuteAsync(async () =>
        {
            var handle = await fixture.Client.StartWorkflowAsync((TradingWorkflow wf) => wf.RunAsync(request), new WorkflowOptions($"trading-reaction-{Guid.NewGuid():N}", queue));
            var deadline = DateTime.UtcNow + Timeout;
            var status = await handle.QueryAsync(wf => wf.Status);
            while (!done(status))
            {
                Assert.True(DateTime.UtcNow < deadline, $"timed out; status: {string.Join("; ", status.Actions)}");
                await Task.Delay(100);
                status = await handle.QueryAsync(wf => wf.Status);
            }

            // Trading goes on after the reaction: still running, and the reaction does not repeat.
            await Task.Delay(1500);
            status = await handle.QueryAsync(wf => wf.Status);
            Assert.False(status.Stopping);
            await handle.SignalAsync(wf => wf.StopAsync("test done"));
            await handle.GetResultAsync();
            return status;
        });
    }

    private static TradingReport Report(string? halted, double? sharpe) =>
        new("paper", DateTimeOffset.UnixEpoch, "1", 200, 0m, 4_000m, -6_000m, 40, 40, 1, null, halted, halted is not null, sharpe, DateTimeOffset.UnixEpoch);

    /// <summary>Reports the chosen state once the activity runs, then holds until cancelled, heartbeating.</summary>
    private sealed class ReportingActivities(TradingReport report) : ITradingActivities, ILiveDecisionActivities
    {
        public async Task RunTradingServiceAsync(TradingActivityInput input)
        {
            var context = ActivityExecutionContext.Current;
            var workflow = context.TemporalClient.GetWorkflowHandle<TradingWorkflow>(input.WorkflowId);
            await workflow.SignalAsync(wf => wf.ReportStatusAsync(report));
            await HoldAsync(context);
        }

        public Task<bool> SetKillSwitchAsync(KillSwitchChange change) => Task.FromResult(true);

        public Task RunFeatureServiceAsync(LiveDecisionActivityInput input) => HoldAsync(ActivityExecutionContext.Current);

        public Task RunDecisionServiceAsync(LiveDecisionActivityInput input) => HoldAsync(ActivityExecutionContext.Current);

        private static async Task HoldAsync(ActivityExecutionContext context)
        {
            while (true)
            {
                context.Heartbeat();
                await Task.Delay(200, context.CancellationToken);
            }
        }
    }

    /// <summary>Stands in for the rollback: answers with what it was asked (model name, reason).</summary>
    [Workflow("RollbackWorkflow")]
    public sealed class RecordingRollback
    {
        [WorkflowRun]
        [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "Temporal runs workflows on instances")]
        public Task<RollbackWorkflow.Result> RunAsync(RollbackWorkflow.Request request) => Task.FromResult(new RollbackWorkflow.Result(request.ModelName, request.Reason));
    }

    [Workflow("RetrainingWorkflow")]
    public sealed class RecordingRetraining
    {
        [WorkflowRun]
        [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "Temporal runs workflows on instances")]
        public Task<string> RunAsync(RetrainingWorkflow.Request request) => Task.FromResult(request.ModelName);
    }
}
