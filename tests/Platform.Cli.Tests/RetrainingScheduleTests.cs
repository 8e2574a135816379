using Platform.Cli.Commands;
using Platform.Workflows;
using Platform.Worker;

namespace Platform.Cli.Tests;

public sealed class RetrainingScheduleTests : IDisposable
{
    private readonly CliTestContext context = new();

    public void Dispose() => context.Dispose();

    [Fact]
    public async Task UpsertAsync_TriggeredSchedule_RunsRetrainingToAPromotion()
    {
        await using var runtime = await PlatformRuntime.StartAsync(new PlatformOptions { DataDirectory = context.PathOf("state"), EmbeddedTemporalPort = 0, EmbeddedMlflowPort = 0, InMemoryTemporal = true });
        var asOf = new DateTimeOffset(2023, 1, 1, 0, 0, 0, TimeSpan.Zero);

        var schedule = await RetrainingCommands.UpsertAsync(runtime.Client, "sched-model", TimeSpan.FromDays(7), 42, asOf, "schedule-test");
        await RetrainingCommands.UpsertAsync(runtime.Client, "sched-model", TimeSpan.FromDays(1), 42, asOf, "schedule-test"); // replaces, no error
        await schedule.TriggerAsync();

        string? workflowId = null;
        for (var i = 0; i < 200 && workflowId is null; i++)
        {
            var description = await schedule.DescribeAsync();
            workflowId = description.Info.RecentActions.Select(a => a.Action).OfType<Temporalio.Client.Schedules.ScheduleActionExecutionStartWorkflow>().FirstOrDefault()?.WorkflowId;
            await Task.Delay(100);
        }

        Assert.NotNull(workflowId);
        Assert.StartsWith("retraining-sched-model", workflowId, StringComparison.Ordinal);
        var result = await runtime.Client.GetWorkflowHandle<RetrainingWorkflow, RetrainingWorkflow.Result>(workflowId).GetResultAsync();
        Assert.Equal(2, result.Training.Candidates.Count);
        var gate = Assert.IsType<GateResult>(result.Promotion.Gate);
        Assert.Equal(gate.Decision.Passed ? PromotionWorkflow.Stage.Promoted : PromotionWorkflow.Stage.Rejected, result.Promotion.Outcome);
        Assert.Equal(gate.Decision.Passed ? "schedule-test" : "gate", result.Promotion.DecidedBy);
        Assert.Equal(TimeSpan.FromDays(1), Assert.Single((await schedule.DescribeAsync()).Schedule.Spec.Intervals).Every);
    }
}
