using Temporalio.Api.Enums.V1;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace Platform.TemporalServer.Tests;

/// <summary>Drives workflows through the real Temporalio client and worker.</summary>
[Collection(ServerGroup.Name)]
public sealed class WorkflowConformanceTests(ServerFixture server)
{
    private readonly GreetingActivities _activities = new();

    private async Task<T> RunAsync<T>(Func<string, Task<T>> body, params Type[] workflows)
    {
        using var worker = server.NewWorker(out var taskQueue, options =>
        {
            options.AddAllActivities(_activities);
            foreach (var workflow in workflows)
            {
                options.AddWorkflow(workflow);
            }
        });
        return await worker.ExecuteAsync(() => body(taskQueue));
    }

    private static WorkflowOptions Options(string taskQueue) => new($"wf-{Guid.NewGuid():N}", taskQueue);

    [Fact]
    public async Task ExecuteWorkflow_WithActivity_ReturnsActivityResult()
    {
        var result = await RunAsync(tq => server.Client.ExecuteWorkflowAsync((GreetingWorkflow wf) => wf.RunAsync("Temporal"), Options(tq)), typeof(GreetingWorkflow));
        Assert.Equal("Hello, Temporal!", result);
    }

    [Fact]
    public async Task ActivityRetries_FailTwice_SucceedOnThirdAttemptWithOneStartedEvent()
    {
        var (result, history) = await RunAsync(async tq =>
        {
            var handle = await server.Client.StartWorkflowAsync((RetryingWorkflow wf) => wf.RunAsync(), Options(tq));
            var value = await handle.GetResultAsync();
            return (value, await handle.FetchHistoryAsync());
        }, typeof(RetryingWorkflow));
        Assert.Equal(3, result);
        var started = Assert.Single(history.Events, e => e.EventType == EventType.ActivityTaskStarted);
        Assert.Equal(3, started.ActivityTaskStartedEventAttributes.Attempt);
        Assert.Contains("attempt 2 fails", started.ActivityTaskStartedEventAttributes.LastFailure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ActivityFailure_NonRetryable_FailsOnceWithNonRetryableState()
    {
        var result = await RunAsync(tq => server.Client.ExecuteWorkflowAsync((NonRetryableWorkflow wf) => wf.RunAsync(), Options(tq)), typeof(NonRetryableWorkflow));
        Assert.Equal("Permanent:NonRetryableFailure", result);
    }

    [Fact]
    public async Task HeartbeatTimeout_RetriesWithLastHeartbeatDetails()
    {
        var result = await RunAsync(tq => server.Client.ExecuteWorkflowAsync((HeartbeatWorkflow wf) => wf.RunAsync(), Options(tq)), typeof(HeartbeatWorkflow));
        Assert.Equal("attempt 2 resumed at 5", result);
    }

    [Fact]
    public async Task StartToCloseTimeout_HungAttempt_RetriedOnNextAttempt()
    {
        var result = await RunAsync(tq => server.Client.ExecuteWorkflowAsync((WorkerCrashWorkflow wf) => wf.RunAsync(), Options(tq)), typeof(WorkerCrashWorkflow));

        // Attempt 1 never finishes; on a loaded machine a later attempt may time out too before one succeeds.
        Assert.InRange(result, 2, 10);
    }

    [Fact]
    public async Task ActivityCancellation_DeliveredThroughHeartbeat_ActivityCanceled()
    {
        var result = await RunAsync(tq => server.Client.ExecuteWorkflowAsync((CancelActivityWorkflow wf) => wf.RunAsync(), Options(tq)), typeof(CancelActivityWorkflow));
        Assert.Equal("activity canceled", result);
    }

    [Fact]
    public async Task SignalsQueriesAndTimer_WorkflowSeesSignalsInOrder()
    {
        var result = await RunAsync(async tq =>
        {
            var handle = await server.Client.StartWorkflowAsync((InteractiveWorkflow wf) => wf.RunAsync(50), Options(tq));
            await handle.SignalAsync(wf => wf.AddAsync("a"));
            await handle.SignalAsync(wf => wf.AddAsync("b"));
            var count = 0;
            for (var i = 0; i < 100 && count < 2; i++)
            {
                count = await handle.QueryAsync(wf => wf.Count);
            }

            await handle.SignalAsync(wf => wf.FinishAsync());
            var value = await handle.GetResultAsync();
            return $"{count}:{value}:{await handle.QueryAsync(wf => wf.Count)}";
        }, typeof(InteractiveWorkflow));
        Assert.Equal("2:a,b:2", result);
    }

    [Fact]
    public async Task Update_WithValidator_AcceptsValidAndRejectsInvalid()
    {
        var result = await RunAsync(async tq =>
        {
            var handle = await server.Client.StartWorkflowAsync((InteractiveWorkflow wf) => wf.RunAsync(0), Options(tq));
            var count = await handle.ExecuteUpdateAsync(wf => wf.ApproveAsync("alice"));
            var rejected = await Assert.ThrowsAsync<WorkflowUpdateFailedException>(() => handle.ExecuteUpdateAsync(wf => wf.ApproveAsync(string.Empty)));
            var started = await handle.StartUpdateAsync(wf => wf.ApproveAsync("bob"), new(WorkflowUpdateStage.Accepted));
            var second = await started.GetResultAsync();
            await handle.SignalAsync(wf => wf.FinishAsync());
            return $"{count}:{second}:{rejected.InnerException?.Message}:{await handle.GetResultAsync()}";
        }, typeof(InteractiveWorkflow));
        Assert.Equal("1:2:approver is required:approved-by-alice,approved-by-bob", result);
    }

    [Fact]
    public async Task UpdateWithStart_NewWorkflow_StartsAndUpdates()
    {
        var result = await RunAsync(async tq =>
        {
            var startOperation = WithStartWorkflowOperation.Create((InteractiveWorkflow wf) => wf.RunAsync(0),
                new(Options(tq).Id!, tq) { IdConflictPolicy = WorkflowIdConflictPolicy.UseExisting });
            var count = await server.Client.ExecuteUpdateWithStartWorkflowAsync((InteractiveWorkflow wf) => wf.ApproveAsync("carol"), new(startOperation));
            var handle = await startOperation.GetHandleAsync();
            await handle.SignalAsync(wf => wf.FinishAsync());
            return $"{count}:{await handle.GetResultAsync()}";
        }, typeof(InteractiveWorkflow));
        Assert.Equal("1:approved-by-carol", result);
    }

    [Fact]
    public async Task UpdateWithStart_AlreadyRunningWithFailPolicy_ThrowsAlreadyStarted()
    {
        await RunAsync(async tq =>
        {
            var options = Options(tq);
            var running = await server.Client.StartWorkflowAsync((InteractiveWorkflow wf) => wf.RunAsync(0), options);
            var startOperation = WithStartWorkflowOperation.Create((InteractiveWorkflow wf) => wf.RunAsync(0),
                new(options.Id!, tq) { IdConflictPolicy = WorkflowIdConflictPolicy.Fail });
            await Assert.ThrowsAsync<WorkflowAlreadyStartedException>(() =>
                server.Client.ExecuteUpdateWithStartWorkflowAsync((InteractiveWorkflow wf) => wf.ApproveAsync("dave"), new(startOperation)));
            await running.TerminateAsync();
            return true;
        }, typeof(InteractiveWorkflow));
    }

    [Fact]
    public async Task ContinueAsNew_ThreeTimes_ResultFollowsChain()
    {
        var (result, runs) = await RunAsync(async tq =>
        {
            var options = Options(tq);
            var handle = await server.Client.StartWorkflowAsync((CountdownWorkflow wf) => wf.RunAsync(3), options);
            var value = await handle.GetResultAsync();
            var latest = await server.Client.GetWorkflowHandle(options.Id!).DescribeAsync();
            return (value, $"{latest.RunId != handle.ResultRunId}:{latest.Status}");
        }, typeof(CountdownWorkflow));
        Assert.Equal(42, result);
        Assert.Equal("True:Completed", runs);
    }

    [Fact]
    public async Task ChildWorkflows_CompleteAndFail_ParentSeesBoth()
    {
        var result = await RunAsync(tq => server.Client.ExecuteWorkflowAsync((ParentWorkflow wf) => wf.RunAsync(true), Options(tq)),
            typeof(ParentWorkflow), typeof(ChildWorkflow));
        Assert.Equal("Hello, child!|child failed: boom", result);
    }

    [Fact]
    public async Task Patched_NewWorkflow_TakesPatchedBranch()
    {
        var result = await RunAsync(tq => server.Client.ExecuteWorkflowAsync((PatchedWorkflow wf) => wf.RunAsync(), Options(tq)), typeof(PatchedWorkflow));
        Assert.Equal("patched", result);
    }

    [Fact]
    public async Task CancelWorkflow_WaitingOnTimer_RunsCleanupAndCompletes()
    {
        var result = await RunAsync(async tq =>
        {
            var handle = await server.Client.StartWorkflowAsync((CancellableWorkflow wf) => wf.RunAsync(), Options(tq));
            await WaitForHistoryAsync(handle, EventType.TimerStarted);
            await handle.CancelAsync();
            return await handle.GetResultAsync();
        }, typeof(CancellableWorkflow));
        Assert.Equal("Hello, cleanup!", result);
    }

    [Fact]
    public async Task TerminateWorkflow_Running_DescribeShowsTerminated()
    {
        var status = await RunAsync(async tq =>
        {
            var handle = await server.Client.StartWorkflowAsync((CancellableWorkflow wf) => wf.RunAsync(), Options(tq));
            await handle.TerminateAsync("test says so");
            await Assert.ThrowsAsync<WorkflowFailedException>(() => handle.GetResultAsync());
            return (await handle.DescribeAsync()).Status;
        }, typeof(CancellableWorkflow));
        Assert.Equal(WorkflowExecutionStatus.Terminated, status);
    }

    [Fact]
    public async Task SignalWithStart_NotRunning_StartsWithSignalDelivered()
    {
        var result = await RunAsync(async tq =>
        {
            var options = Options(tq);
            options.SignalWithStart((InteractiveWorkflow wf) => wf.AddAsync("first"));
            var handle = await server.Client.StartWorkflowAsync((InteractiveWorkflow wf) => wf.RunAsync(0), options);
            var again = Options(tq);
            again.Id = options.Id;
            again.SignalWithStart((InteractiveWorkflow wf) => wf.AddAsync("second"));
            var second = await server.Client.StartWorkflowAsync((InteractiveWorkflow wf) => wf.RunAsync(0), again);
            await handle.SignalAsync(wf => wf.FinishAsync());
            return $"{second.ResultRunId == handle.ResultRunId}:{await handle.GetResultAsync()}";
        }, typeof(InteractiveWorkflow));
        Assert.Equal("True:first,second", result);
    }

    [Fact]
    public async Task StartWorkflow_DuplicateIdWhileRunning_ThrowsAlreadyStartedUnlessUseExisting()
    {
        await RunAsync(async tq =>
        {
            var options = Options(tq);
            var handle = await server.Client.StartWorkflowAsync((InteractiveWorkflow wf) => wf.RunAsync(0), options);
            await Assert.ThrowsAsync<WorkflowAlreadyStartedException>(() => server.Client.StartWorkflowAsync((InteractiveWorkflow wf) => wf.RunAsync(0), options));
            var existing = Options(tq);
            existing.Id = options.Id;
            existing.IdConflictPolicy = WorkflowIdConflictPolicy.UseExisting;
            var reused = await server.Client.StartWorkflowAsync((InteractiveWorkflow wf) => wf.RunAsync(0), existing);
            Assert.Equal(handle.ResultRunId, reused.ResultRunId);
            await handle.SignalAsync(wf => wf.FinishAsync());
            await handle.GetResultAsync();
            var rejecting = Options(tq);
            rejecting.Id = options.Id;
            rejecting.IdReusePolicy = WorkflowIdReusePolicy.RejectDuplicate;
            await Assert.ThrowsAsync<WorkflowAlreadyStartedException>(() => server.Client.StartWorkflowAsync((InteractiveWorkflow wf) => wf.RunAsync(0), rejecting));
            return true;
        }, typeof(InteractiveWorkflow));
    }

    [Fact]
    public async Task WorkflowRetryPolicy_FirstRunFails_SecondAttemptCompletes()
    {
        var result = await RunAsync(async tq =>
        {
            var options = Options(tq);
            options.RetryPolicy = new() { InitialInterval = TimeSpan.FromMilliseconds(50), MaximumAttempts = 3 };
            return await server.Client.ExecuteWorkflowAsync((FailsFirstAttemptWorkflow wf) => wf.RunAsync(), options);
        }, typeof(FailsFirstAttemptWorkflow));
        Assert.Equal(2, result);
    }

    [Fact]
    public async Task RunTimeout_WorkflowNeverFinishes_TimesOut()
    {
        var error = await RunAsync(async tq =>
        {
            var options = Options(tq);
            options.RunTimeout = TimeSpan.FromSeconds(1);
            return await Assert.ThrowsAsync<WorkflowFailedException>(() => server.Client.ExecuteWorkflowAsync((WaitsForeverWorkflow wf) => wf.RunAsync(), options));
        }, typeof(WaitsForeverWorkflow));
        var timeout = Assert.IsType<TimeoutFailureException>(error.InnerException);
        Assert.Equal(TimeoutType.StartToClose, timeout.TimeoutType);
    }

    [Fact]
    public async Task ParentClosePolicyTerminate_ParentCompletes_ChildTerminated()
    {
        var status = await RunAsync(async tq =>
        {
            var childId = $"child-{Guid.NewGuid():N}";
            Assert.Equal("parent done", await server.Client.ExecuteWorkflowAsync((AbandoningParentWorkflow wf) => wf.RunAsync(childId), Options(tq)));
            var child = server.Client.GetWorkflowHandle(childId);
            for (var i = 0; i < 100 && (await child.DescribeAsync()).Status == WorkflowExecutionStatus.Running; i++)
            {
                await Task.Delay(50);
            }

            return (await child.DescribeAsync()).Status;
        }, typeof(AbandoningParentWorkflow), typeof(WaitsForeverWorkflow));
        Assert.Equal(WorkflowExecutionStatus.Terminated, status);
    }

    [Fact]
    public async Task Query_RightAfterStartAndSignal_AnsweredConsistently()
    {
        var counts = await RunAsync(async tq =>
        {
            var results = new List<int>();
            for (var i = 0; i < 5; i++)
            {
                var handle = await server.Client.StartWorkflowAsync((InteractiveWorkflow wf) => wf.RunAsync(0), Options(tq));
                await handle.SignalAsync(wf => wf.AddAsync("x"));
                results.Add(await handle.QueryAsync(wf => wf.Count));
                await handle.TerminateAsync();
            }

            return results;
        }, typeof(InteractiveWorkflow));
        Assert.All(counts, count => Assert.InRange(count, 0, 1));
    }

    [Fact]
    public async Task Describe_RetryingActivity_ShowsAttemptAndLastFailure()
    {
        var pending = await RunAsync(async tq =>
        {
            var handle = await server.Client.StartWorkflowAsync((SlowRetryWorkflow wf) => wf.RunAsync(), Options(tq));
            for (var i = 0; i < 100; i++)
            {
                var description = await server.Client.WorkflowService.DescribeWorkflowExecutionAsync(new()
                {
                    Namespace = server.Client.Options.Namespace, Execution = new() { WorkflowId = handle.Id },
                });
                var activity = description.PendingActivities.FirstOrDefault();
                if (activity is { Attempt: >= 2 })
                {
                    await handle.TerminateAsync();
                    return activity;
                }

                await Task.Delay(50);
            }

            throw new InvalidOperationException("activity never retried");
        }, typeof(SlowRetryWorkflow));
        Assert.Equal("AlwaysFailsRetryable", pending.ActivityType.Name);
        Assert.Contains("retryable failure", pending.LastFailure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LocalActivities_WithRetries_RecordedAsMarkers()
    {
        var (result, history) = await RunAsync(async tq =>
        {
            var handle = await server.Client.StartWorkflowAsync((LocalActivityWorkflow wf) => wf.RunAsync(), Options(tq));
            var value = await handle.GetResultAsync();
            return (value, await handle.FetchHistoryAsync());
        }, typeof(LocalActivityWorkflow));
        Assert.Equal("Hello, local!|3", result);
        Assert.Equal(2, history.Events.Count(e => e.EventType == EventType.MarkerRecorded));
    }

    [Fact]
    public async Task CronWorkflow_EverySecond_StartsNextRunAfterEachCompletion()
    {
        var completedRuns = await RunAsync(async tq =>
        {
            var options = Options(tq);
            options.CronSchedule = "@every 1s";
            await server.Client.StartWorkflowAsync((GreetingWorkflow wf) => wf.RunAsync("cron"), options);
            long count = 0;
            for (var i = 0; i < 100 && count < 2; i++)
            {
                await Task.Delay(100);
                count = (await server.Client.CountWorkflowsAsync($"WorkflowId = '{options.Id}' AND ExecutionStatus = 'Completed'")).Count;
            }

            await server.Client.GetWorkflowHandle(options.Id!).TerminateAsync("enough");
            return count;
        }, typeof(GreetingWorkflow));
        Assert.True(completedRuns >= 2, $"only {completedRuns} cron runs completed");
    }

    [Fact]
    public async Task WorkerDiesMidActivity_ActivityRetriedOnAnotherWorkerAfterTimeout()
    {
        using var workflowWorker = server.NewWorker(out var taskQueue, o => o.AddWorkflow<WorkerCrashWorkflow>());
        var result = await workflowWorker.ExecuteAsync(async () =>
        {
            var handle = await server.Client.StartWorkflowAsync((WorkerCrashWorkflow wf) => wf.RunAsync(), Options(taskQueue));

            // A "worker" takes attempt 1 and dies: it never heartbeats or responds.
            Temporalio.Api.WorkflowService.V1.PollActivityTaskQueueResponse taken;
            do
            {
                taken = await server.Client.WorkflowService.PollActivityTaskQueueAsync(new()
                {
                    Namespace = server.Client.Options.Namespace, TaskQueue = new() { Name = taskQueue }, Identity = "doomed-worker",
                });
            }
            while (taken.TaskToken.IsEmpty);
            Assert.Equal(1, taken.Attempt);

            var activityOptions = new Temporalio.Worker.TemporalWorkerOptions(taskQueue).AddAllActivities(_activities);
            using var activityWorker = new Temporalio.Worker.TemporalWorker(server.Client, activityOptions);
            return await activityWorker.ExecuteAsync(() => handle.GetResultAsync());
        });
        Assert.InRange(result, 2, 10);
    }

    [Fact]
    public async Task Histories_FromEveryFeature_ReplayWithoutNondeterminism()
    {
        var workflows = new[]
        {
            typeof(GreetingWorkflow), typeof(RetryingWorkflow), typeof(InteractiveWorkflow), typeof(ParentWorkflow), typeof(ChildWorkflow),
            typeof(CancelActivityWorkflow), typeof(LocalActivityWorkflow), typeof(PatchedWorkflow), typeof(CancellableWorkflow),
        };
        var histories = await RunAsync(async tq =>
        {
            var handles = new List<WorkflowHandle>
            {
                await server.Client.StartWorkflowAsync((GreetingWorkflow wf) => wf.RunAsync("replay"), Options(tq)),
                await server.Client.StartWorkflowAsync((RetryingWorkflow wf) => wf.RunAsync(), Options(tq)),
                await server.Client.StartWorkflowAsync((ParentWorkflow wf) => wf.RunAsync(true), Options(tq)),
                await server.Client.StartWorkflowAsync((LocalActivityWorkflow wf) => wf.RunAsync(), Options(tq)),
                await server.Client.StartWorkflowAsync((PatchedWorkflow wf) => wf.RunAsync(), Options(tq)),
                await server.Client.StartWorkflowAsync((CancelActivityWorkflow wf) => wf.RunAsync(), Options(tq)),
            };
            var interactive = await server.Client.StartWorkflowAsync((InteractiveWorkflow wf) => wf.RunAsync(20), Options(tq));
            await interactive.SignalAsync(wf => wf.AddAsync("s"));
            await interactive.ExecuteUpdateAsync(wf => wf.ApproveAsync("r"));
            await interactive.SignalAsync(wf => wf.FinishAsync());
            handles.Add(interactive);
            var cancellable = await server.Client.StartWorkflowAsync((CancellableWorkflow wf) => wf.RunAsync(), Options(tq));
            await WaitForHistoryAsync(cancellable, EventType.TimerStarted);
            await cancellable.CancelAsync();
            handles.Add(cancellable);
            var result = new List<Temporalio.Common.WorkflowHistory>();
            foreach (var handle in handles)
            {
                await handle.GetResultAsync();
                result.Add(await handle.FetchHistoryAsync());
            }

            return result;
        }, workflows);
        var options = new Temporalio.Worker.WorkflowReplayerOptions();
        foreach (var workflow in workflows)
        {
            options.AddWorkflow(workflow);
        }

        var results = await new Temporalio.Worker.WorkflowReplayer(options).ReplayWorkflowsAsync(histories);
        Assert.All(results, r => Assert.Null(r.ReplayFailure));
    }

    [Fact]
    public async Task ActivityTimeouts_ScheduleToStartAndScheduleToClose_ReachWorkflowAsTimeouts()
    {
        var result = await RunAsync(tq => server.Client.ExecuteWorkflowAsync((ActivityTimeoutsWorkflow wf) => wf.RunAsync($"unpolled-{Guid.NewGuid():N}"), Options(tq)),
            typeof(ActivityTimeoutsWorkflow));
        var parts = result.Split(',');
        Assert.Equal("ScheduleToStart", parts[0]);

        // Schedule-to-close ends the retries either by timing out the attempt or, when the next backoff would pass the
        // deadline, by failing with retry state Timeout (as Temporal does).
        Assert.Contains(parts[1], new[] { "ScheduleToClose", "failed:ApplicationFailureException:Timeout" });
    }

    [Fact]
    public async Task ChildWorkflows_CanceledByParentAndTerminatedExternally_ParentSeesBoth()
    {
        var result = await RunAsync(async tq =>
        {
            var childId = $"doomed-child-{Guid.NewGuid():N}";
            var parent = await server.Client.StartWorkflowAsync((ChildLifecycleWorkflow wf) => wf.RunAsync(childId), Options(tq));
            var child = server.Client.GetWorkflowHandle(childId);
            for (var i = 0; i < 200; i++)
            {
                try
                {
                    await child.TerminateAsync("external");
                    break;
                }
                catch (RpcException e) when (e.Code == RpcException.StatusCode.NotFound)
                {
                    await Task.Delay(50);
                }
            }

            return await parent.GetResultAsync();
        }, typeof(ChildLifecycleWorkflow), typeof(CancellableWorkflow), typeof(WaitsForeverWorkflow));
        Assert.Equal("Hello, cleanup!|terminated", result);
    }

    [Fact]
    public async Task StartWithMemoAndSearchAttributes_DescribeReturnsThem()
    {
        var description = await RunAsync(async tq =>
        {
            var options = Options(tq);
            options.Memo = new Dictionary<string, object> { ["owner"] = "risk-team" };
            options.TypedSearchAttributes = new Temporalio.Common.SearchAttributeCollection.Builder()
                .Set(SearchAttributeWorkflow.Stage, "memo-test").ToSearchAttributeCollection();
            var handle = await server.Client.StartWorkflowAsync((InteractiveWorkflow wf) => wf.RunAsync(0), options);
            var described = await handle.DescribeAsync();
            await handle.TerminateAsync();
            return described;
        }, typeof(InteractiveWorkflow));
        Assert.Equal("risk-team", await description.Memo["owner"].ToValueAsync<string>());
        Assert.Equal("memo-test", description.TypedSearchAttributes.Get(SearchAttributeWorkflow.Stage));
    }

    [Fact]
    public async Task TinyWorkflowCache_EvictedRunsGetStickyTasks_FetchFullHistoryAndFinish()
    {
        using var worker = server.NewWorker(out var taskQueue, o =>
        {
            o.MaxCachedWorkflows = 1;
            o.AddWorkflow<RetryingWorkflow>().AddAllActivities(_activities);
        });
        var results = await worker.ExecuteAsync(() => Task.WhenAll(Enumerable.Range(0, 4).Select(_ =>
            server.Client.ExecuteWorkflowAsync((RetryingWorkflow wf) => wf.RunAsync(), Options(taskQueue)))));
        Assert.All(results, r => Assert.Equal(3, r));
    }

    internal static async Task WaitForHistoryAsync(WorkflowHandle handle, EventType type)
    {
        for (var i = 0; i < 200; i++)
        {
            var history = await handle.FetchHistoryAsync();
            if (history.Events.Any(e => e.EventType == type))
            {
                return;
            }

            await Task.Delay(25);
        }

        throw new InvalidOperationException($"history never got {type}");
    }
}
