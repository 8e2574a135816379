using Google.Protobuf;
using Temporalio.Api.Common.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Client.Schedules;
using Temporalio.Exceptions;

namespace Platform.TemporalServer.Tests;

/// <summary>Visibility, schedules, idempotency and error statuses, through the SDK client and its raw gRPC service.</summary>
[Collection(ServerGroup.Name)]
public sealed class ApiConformanceTests(ServerFixture server)
{
    private readonly GreetingActivities _activities = new();

    [Fact]
    public async Task ListAndCount_QueryByTypeStatusAndSearchAttribute_FindsMatchingRuns()
    {
        using var worker = server.NewWorker(out var taskQueue, o => o.AddWorkflow<SearchAttributeWorkflow>().AddWorkflow<InteractiveWorkflow>());
        await worker.ExecuteAsync(async () =>
        {
            var marker = $"stage-{Guid.NewGuid():N}";
            var first = await server.Client.StartWorkflowAsync((SearchAttributeWorkflow wf) => wf.RunAsync(marker), new($"sa-{Guid.NewGuid():N}", taskQueue));
            await first.GetResultAsync();
            var running = await server.Client.StartWorkflowAsync((InteractiveWorkflow wf) => wf.RunAsync(0), new($"open-{Guid.NewGuid():N}", taskQueue));

            var bySearchAttribute = await ListAsync($"CustomKeywordField = '{marker}'");
            Assert.Equal([first.Id], bySearchAttribute.Select(e => e.Id));
            var completed = await ListAsync($"WorkflowType = 'SearchAttributeWorkflow' AND ExecutionStatus = 'Completed' AND CustomKeywordField = '{marker}'");
            Assert.Single(completed);
            var openOrMarked = await ListAsync($"(WorkflowId = '{running.Id}' OR CustomKeywordField = '{marker}') AND StartTime > '2020-01-01T00:00:00Z' ORDER BY StartTime DESC");
            Assert.Equal([running.Id, first.Id], openOrMarked.Select(e => e.Id));
            var count = await server.Client.CountWorkflowsAsync($"WorkflowId = '{running.Id}' AND ExecutionStatus = 'Running'");
            Assert.Equal(1, count.Count);
            await running.TerminateAsync("done");
        });
    }

    private async Task<List<Temporalio.Client.WorkflowExecution>> ListAsync(string query)
    {
        // Visibility on a real server is eventually consistent: retry briefly until the expected rows appear.
        var result = new List<Temporalio.Client.WorkflowExecution>();
        for (var i = 0; i < 50; i++)
        {
            result.Clear();
            await foreach (var execution in server.Client.ListWorkflowsAsync(query))
            {
                result.Add(execution);
            }

            if (result.Count > 0)
            {
                break;
            }

            await Task.Delay(100);
        }

        return result;
    }

    [Fact]
    public async Task ListWorkflows_MalformedQuery_InvalidArgument()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await foreach (var unused in server.Client.ListWorkflowsAsync("WorkflowId = "))
            {
                _ = unused;
            }
        });
        Assert.Equal(RpcException.StatusCode.InvalidArgument, error.Code);
    }

    [Fact]
    public async Task Schedule_CreateDescribeTriggerPauseUpdateDelete_StartsWorkflows()
    {
        using var worker = server.NewWorker(out var taskQueue, o => o.AddWorkflow<GreetingWorkflow>().AddAllActivities(_activities));
        await worker.ExecuteAsync(async () =>
        {
            var scheduleId = $"sched-{Guid.NewGuid():N}";
            var handle = await server.Client.CreateScheduleAsync(scheduleId, new Schedule(
                ScheduleActionStartWorkflow.Create((GreetingWorkflow wf) => wf.RunAsync("schedule"), new($"scheduled-{scheduleId}", taskQueue)),
                new ScheduleSpec { Intervals = [new ScheduleIntervalSpec(TimeSpan.FromSeconds(1))] }));
            var fired = await WaitForActionsAsync(handle, 1);
            Assert.NotEmpty(fired.Info.NextActionTimes);
            var firstAction = Assert.IsType<ScheduleActionExecutionStartWorkflow>(fired.Info.RecentActions.First().Action);
            Assert.Equal("Hello, schedule!", await server.Client.GetWorkflowHandle(firstAction.WorkflowId).GetResultAsync<string>());

            await handle.PauseAsync("maintenance");
            await WaitForNoRunningActionsAsync(handle);
            var paused = await handle.DescribeAsync();
            Assert.True(paused.Schedule.State.Paused);
            Assert.Equal("maintenance", paused.Schedule.State.Note);

            await handle.TriggerAsync(new ScheduleTriggerOptions { Overlap = Temporalio.Api.Enums.V1.ScheduleOverlapPolicy.AllowAll });
            var triggered = await WaitForActionsAsync(handle, paused.Info.NumActions + 1);
            var recent = triggered.Info.RecentActions.Last();
            var action = Assert.IsType<ScheduleActionExecutionStartWorkflow>(recent.Action);
            Assert.Equal("Hello, schedule!", await server.Client.GetWorkflowHandle<GreetingWorkflow>(action.WorkflowId).GetResultAsync<string>());

            await handle.UpdateAsync(input =>
            {
                var schedule = input.Description.Schedule;
                return new ScheduleUpdate(schedule with { Spec = schedule.Spec with { Intervals = [new ScheduleIntervalSpec(TimeSpan.FromHours(1))] } });
            });
            var updated = await handle.DescribeAsync();
            Assert.Equal(TimeSpan.FromHours(1), Assert.Single(updated.Schedule.Spec.Intervals).Every);

            var listed = new List<string>();
            await foreach (var entry in server.Client.ListSchedulesAsync())
            {
                listed.Add(entry.Id);
            }

            Assert.Contains(scheduleId, listed);
            await handle.DeleteAsync();
            var missing = await Assert.ThrowsAsync<RpcException>(() => handle.DescribeAsync());
            Assert.Equal(RpcException.StatusCode.NotFound, missing.Code);
        });
    }

    private static async Task WaitForNoRunningActionsAsync(ScheduleHandle handle)
    {
        for (var i = 0; i < 100 && (await handle.DescribeAsync()).Info.RunningActions.Count > 0; i++)
        {
            await Task.Delay(100);
        }

        // Scheduled workflow IDs carry the action time in seconds: the trigger must not land in the same second.
        await Task.Delay(1100);
    }

    private static async Task<ScheduleDescription> WaitForActionsAsync(ScheduleHandle handle, long actions)
    {
        for (var i = 0; i < 100; i++)
        {
            var description = await handle.DescribeAsync();
            if (description.Info.NumActions >= actions)
            {
                return description;
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException($"schedule never reached {actions} actions");
    }

    [Fact]
    public async Task StartWorkflowExecution_SameRequestIdTwice_OneRun()
    {
        var request = new StartWorkflowExecutionRequest
        {
            Namespace = "default",
            WorkflowId = $"idem-{Guid.NewGuid():N}",
            WorkflowType = new WorkflowType { Name = "NobodyRunsThis" },
            TaskQueue = new TaskQueue { Name = $"idle-{Guid.NewGuid():N}" },
            RequestId = Guid.NewGuid().ToString(),
        };
        var first = await server.Client.WorkflowService.StartWorkflowExecutionAsync(request);
        var second = await server.Client.WorkflowService.StartWorkflowExecutionAsync(request);
        Assert.Equal(first.RunId, second.RunId);
        var signal = new SignalWorkflowExecutionRequest
        {
            Namespace = "default", WorkflowExecution = new() { WorkflowId = request.WorkflowId }, SignalName = "s", RequestId = Guid.NewGuid().ToString(),
        };
        await server.Client.WorkflowService.SignalWorkflowExecutionAsync(signal);
        await server.Client.WorkflowService.SignalWorkflowExecutionAsync(signal);
        var history = await server.Client.GetWorkflowHandle(request.WorkflowId).FetchHistoryAsync();
        Assert.Single(history.Events, e => e.EventType == Temporalio.Api.Enums.V1.EventType.WorkflowExecutionSignaled);
        await server.Client.GetWorkflowHandle(request.WorkflowId).TerminateAsync();
    }

    [Fact]
    public async Task BadRequests_GetTemporalStatusCodes()
    {
        var service = server.Client.WorkflowService;
        var missingNamespace = await Assert.ThrowsAsync<RpcException>(() => service.DescribeNamespaceAsync(new() { Namespace = $"nope-{Guid.NewGuid():N}" }));
        Assert.Equal(RpcException.StatusCode.NotFound, missingNamespace.Code);
        var noWorkflowId = await Assert.ThrowsAsync<RpcException>(() => service.StartWorkflowExecutionAsync(new()
        {
            Namespace = "default", WorkflowType = new() { Name = "X" }, TaskQueue = new() { Name = "q" }, RequestId = Guid.NewGuid().ToString(),
        }));
        Assert.Equal(RpcException.StatusCode.InvalidArgument, noWorkflowId.Code);
        var unknownWorkflow = await Assert.ThrowsAsync<RpcException>(() => service.SignalWorkflowExecutionAsync(new()
        {
            Namespace = "default", WorkflowExecution = new() { WorkflowId = $"missing-{Guid.NewGuid():N}" }, SignalName = "s",
        }));
        Assert.Equal(RpcException.StatusCode.NotFound, unknownWorkflow.Code);
        var badToken = await Assert.ThrowsAsync<RpcException>(() => service.RespondActivityTaskCompletedAsync(new()
        {
            Namespace = "default", TaskToken = ByteString.CopyFromUtf8("garbage"),
        }));
        Assert.Equal(RpcException.StatusCode.InvalidArgument, badToken.Code);
        var missingSchedule = await Assert.ThrowsAsync<RpcException>(() => service.DescribeScheduleAsync(new() { Namespace = "default", ScheduleId = "missing" }));
        Assert.Equal(RpcException.StatusCode.NotFound, missingSchedule.Code);
    }
}
