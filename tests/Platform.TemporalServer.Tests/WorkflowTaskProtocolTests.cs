using Google.Protobuf.WellKnownTypes;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;
using Temporalio.Exceptions;

namespace Platform.TemporalServer.Tests;

/// <summary>The workflow-task state machine, driven with raw WorkflowService calls (what Core does on the wire).</summary>
[Collection(ServerGroup.Name)]
public sealed class WorkflowTaskProtocolTests(ServerFixture server)
{
    private Temporalio.Client.WorkflowService Service => server.Client.WorkflowService;

    private async Task<(string WorkflowId, string TaskQueue)> StartAsync(TimeSpan taskTimeout)
    {
        var workflowId = $"raw-{Guid.NewGuid():N}";
        var taskQueue = $"raw-tq-{Guid.NewGuid():N}";
        await Service.StartWorkflowExecutionAsync(new()
        {
            Namespace = "default", WorkflowId = workflowId, WorkflowType = new() { Name = "RawWorkflow" }, TaskQueue = new() { Name = taskQueue },
            RequestId = Guid.NewGuid().ToString(), WorkflowTaskTimeout = Duration.FromTimeSpan(taskTimeout),
        });
        return (workflowId, taskQueue);
    }

    private async Task<PollWorkflowTaskQueueResponse> PollAsync(string taskQueue)
    {
        for (var i = 0; i < 10; i++)
        {
            var task = await Service.PollWorkflowTaskQueueAsync(new() { Namespace = "default", TaskQueue = new() { Name = taskQueue }, Identity = "raw-test" });
            if (!task.TaskToken.IsEmpty)
            {
                return task;
            }
        }

        throw new InvalidOperationException("no workflow task");
    }

    [Fact]
    public async Task WorkflowTaskTimeout_NoResponse_TaskRedeliveredAsNextAttempt()
    {
        var (_, taskQueue) = await StartAsync(TimeSpan.FromSeconds(1));
        var first = await PollAsync(taskQueue);
        Assert.Equal(1, first.Attempt);
        Assert.Equal(EventType.WorkflowTaskStarted, first.History.Events[^1].EventType);
        var second = await PollAsync(taskQueue);
        Assert.Equal(2, second.Attempt);
        var stale = await Assert.ThrowsAsync<RpcException>(() => Service.RespondWorkflowTaskCompletedAsync(new()
        {
            Namespace = "default", TaskToken = first.TaskToken, Identity = "raw-test",
        }));
        Assert.Equal(RpcException.StatusCode.NotFound, stale.Code);
    }

    [Fact]
    public async Task RespondWorkflowTaskFailed_TaskRetriedWithNextAttempt()
    {
        var (_, taskQueue) = await StartAsync(TimeSpan.FromSeconds(10));
        var first = await PollAsync(taskQueue);
        await Service.RespondWorkflowTaskFailedAsync(new()
        {
            Namespace = "default", TaskToken = first.TaskToken, Cause = WorkflowTaskFailedCause.WorkflowWorkerUnhandledFailure, Identity = "raw-test",
            Failure = new() { Message = "worker bug" },
        });
        var second = await PollAsync(taskQueue);
        Assert.Equal(2, second.Attempt);
    }

    [Fact]
    public async Task CompleteWithUnseenSignal_RejectedAsUnhandledCommand_NextTaskHasSignal()
    {
        var (workflowId, taskQueue) = await StartAsync(TimeSpan.FromSeconds(10));
        var first = await PollAsync(taskQueue);
        await Service.SignalWorkflowExecutionAsync(new()
        {
            Namespace = "default", WorkflowExecution = new() { WorkflowId = workflowId }, SignalName = "late", Identity = "raw-test",
        });
        var complete = new RespondWorkflowTaskCompletedRequest { Namespace = "default", TaskToken = first.TaskToken, Identity = "raw-test" };
        complete.Commands.Add(new Command
        {
            CommandType = CommandType.CompleteWorkflowExecution, CompleteWorkflowExecutionCommandAttributes = new() { Result = new Payloads() },
        });
        var error = await Assert.ThrowsAsync<RpcException>(() => Service.RespondWorkflowTaskCompletedAsync(complete));
        Assert.Equal(RpcException.StatusCode.InvalidArgument, error.Code);
        var next = await PollAsync(taskQueue);
        Assert.Contains(next.History.Events, e => e.EventType == EventType.WorkflowExecutionSignaled);
        var finish = new RespondWorkflowTaskCompletedRequest { Namespace = "default", TaskToken = next.TaskToken, Identity = "raw-test" };
        finish.Commands.Add(complete.Commands[0]);
        await Service.RespondWorkflowTaskCompletedAsync(finish);
        var description = await server.Client.GetWorkflowHandle(workflowId).DescribeAsync();
        Assert.Equal(Temporalio.Api.Enums.V1.WorkflowExecutionStatus.Completed, description.Status);
    }

    [Fact]
    public async Task ScheduleActivity_WithoutTimeouts_RejectedAsBadAttributes()
    {
        var (_, taskQueue) = await StartAsync(TimeSpan.FromSeconds(10));
        var task = await PollAsync(taskQueue);
        var request = new RespondWorkflowTaskCompletedRequest { Namespace = "default", TaskToken = task.TaskToken, Identity = "raw-test" };
        request.Commands.Add(new Command
        {
            CommandType = CommandType.ScheduleActivityTask,
            ScheduleActivityTaskCommandAttributes = new() { ActivityId = "1", ActivityType = new() { Name = "A" }, TaskQueue = new TaskQueue { Name = taskQueue } },
        });
        var error = await Assert.ThrowsAsync<RpcException>(() => Service.RespondWorkflowTaskCompletedAsync(request));
        Assert.Equal(RpcException.StatusCode.InvalidArgument, error.Code);
    }
}
