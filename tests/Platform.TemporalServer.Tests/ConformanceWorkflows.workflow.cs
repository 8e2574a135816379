using Temporalio.Activities;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace Platform.TemporalServer.Tests;

public sealed class GreetingActivities
{
    private int _flakyCalls;

    public int FlakyCalls => _flakyCalls;

    [Activity]
    public string Greet(string name) => $"Hello, {name}!";

    /// <summary>Fails twice, then succeeds; reports the attempt it succeeded on.</summary>
    [Activity]
    public int Flaky()
    {
        Interlocked.Increment(ref _flakyCalls);
        var attempt = ActivityExecutionContext.Current.Info.Attempt;
        if (attempt < 3)
        {
            throw new ApplicationFailureException($"attempt {attempt} fails");
        }

        return attempt;
    }

    [Activity]
    public void AlwaysFailsRetryable() => throw new ApplicationFailureException("retryable failure");

    [Activity]
    public void AlwaysFailsNonRetryable() => throw new ApplicationFailureException("permanent", errorType: "Permanent", nonRetryable: true);

    /// <summary>Heartbeats progress; the first attempt then stops heartbeating so the heartbeat timeout retries it.</summary>
    [Activity]
    public async Task<string> ResumesFromHeartbeat()
    {
        var context = ActivityExecutionContext.Current;
        var progress = context.Info.HeartbeatDetails.Count > 0 ? await context.Info.HeartbeatDetailAtAsync<int>(0) : 0;
        if (context.Info.Attempt == 1)
        {
            context.Heartbeat(progress + 5);
            await Task.Delay(TimeSpan.FromSeconds(30), context.CancellationToken);
        }

        return $"attempt {context.Info.Attempt} resumed at {progress}";
    }

    /// <summary>Heartbeats until cancellation reaches it through the heartbeat response.</summary>
    [Activity]
    public async Task<string> WaitsForCancel()
    {
        var context = ActivityExecutionContext.Current;
        while (true)
        {
            context.Heartbeat();
            await Task.Delay(100, context.CancellationToken);
        }
    }

    /// <summary>The first attempt hangs as if its worker died; the start-to-close timeout retries it.</summary>
    [Activity]
    public async Task<int> HangsOnFirstAttempt()
    {
        var context = ActivityExecutionContext.Current;
        if (context.Info.Attempt == 1)
        {
            await Task.Delay(TimeSpan.FromSeconds(30), context.CancellationToken);
        }

        return context.Info.Attempt;
    }
}

[Workflow]
public sealed class GreetingWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(string name) =>
        await Workflow.ExecuteActivityAsync((GreetingActivities a) => a.Greet(name), new() { StartToCloseTimeout = TimeSpan.FromSeconds(10) });
}

[Workflow]
public sealed class RetryingWorkflow
{
    [WorkflowRun]
    public async Task<int> RunAsync() =>
        await Workflow.ExecuteActivityAsync((GreetingActivities a) => a.Flaky(), new()
        {
            StartToCloseTimeout = TimeSpan.FromSeconds(10),
            RetryPolicy = new() { InitialInterval = TimeSpan.FromMilliseconds(50), BackoffCoefficient = 1 },
        });
}

[Workflow]
public sealed class NonRetryableWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        try
        {
            await Workflow.ExecuteActivityAsync((GreetingActivities a) => a.AlwaysFailsNonRetryable(), new()
            {
                StartToCloseTimeout = TimeSpan.FromSeconds(10),
                RetryPolicy = new() { InitialInterval = TimeSpan.FromMilliseconds(50), MaximumAttempts = 5 },
            });
            return "unexpected success";
        }
        catch (ActivityFailureException e) when (e.InnerException is ApplicationFailureException app)
        {
            return $"{app.ErrorType}:{e.RetryState}";
        }
    }
}

[Workflow]
public sealed class HeartbeatWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync() =>
        await Workflow.ExecuteActivityAsync((GreetingActivities a) => a.ResumesFromHeartbeat(), new()
        {
            StartToCloseTimeout = TimeSpan.FromSeconds(20),
            HeartbeatTimeout = TimeSpan.FromSeconds(1),
            RetryPolicy = new() { InitialInterval = TimeSpan.FromMilliseconds(50) },
        });
}

[Workflow]
public sealed class WorkerCrashWorkflow
{
    [WorkflowRun]
    public async Task<int> RunAsync() =>
        await Workflow.ExecuteActivityAsync((GreetingActivities a) => a.HangsOnFirstAttempt(), new()
        {
            StartToCloseTimeout = TimeSpan.FromSeconds(2),
            RetryPolicy = new() { InitialInterval = TimeSpan.FromMilliseconds(50) },
        });
}

[Workflow]
public sealed class CancelActivityWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Workflow.CancellationToken);
        var activity = Workflow.ExecuteActivityAsync((GreetingActivities a) => a.WaitsForCancel(), new()
        {
            StartToCloseTimeout = TimeSpan.FromSeconds(30),

            // Heartbeats are throttled to 80% of this: generous so a loaded machine never times the activity out.
            HeartbeatTimeout = TimeSpan.FromSeconds(5),
            CancellationToken = cancel.Token,
            CancellationType = ActivityCancellationType.WaitCancellationCompleted,
        });
        await Workflow.DelayAsync(TimeSpan.FromMilliseconds(300));
        cancel.Cancel();
        try
        {
            await activity;
            return "not canceled";
        }
        catch (ActivityFailureException e) when (e.InnerException is CanceledFailureException)
        {
            return "activity canceled";
        }
    }
}

/// <summary>Waits for signals and a timer; answers queries; takes updates with a validator.</summary>
[Workflow]
public sealed class InteractiveWorkflow
{
    private readonly List<string> _items = [];
    private bool _done;

    [WorkflowRun]
    public async Task<string> RunAsync(int timerMilliseconds)
    {
        await Workflow.DelayAsync(TimeSpan.FromMilliseconds(timerMilliseconds));
        await Workflow.WaitConditionAsync(() => _done);
        return string.Join(",", _items);
    }

    [WorkflowSignal]
    public async Task AddAsync(string item) => _items.Add(item);

    [WorkflowSignal]
    public async Task FinishAsync() => _done = true;

    [WorkflowQuery]
    public int Count => _items.Count;

    [WorkflowUpdate]
    public async Task<int> ApproveAsync(string approver)
    {
        await Workflow.DelayAsync(TimeSpan.FromMilliseconds(10));
        _items.Add($"approved-by-{approver}");
        return _items.Count;
    }

    [WorkflowUpdateValidator(nameof(ApproveAsync))]
    public void ValidateApprove(string approver)
    {
        if (string.IsNullOrEmpty(approver))
        {
            throw new ArgumentException("approver is required");
        }
    }
}

[Workflow]
public sealed class CountdownWorkflow
{
    [WorkflowRun]
    public async Task<int> RunAsync(int remaining)
    {
        if (remaining > 0)
        {
            throw Workflow.CreateContinueAsNewException((CountdownWorkflow wf) => wf.RunAsync(remaining - 1));
        }

        return Workflow.Info.Attempt + 41;
    }
}

[Workflow]
public sealed class ParentWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(bool childFails)
    {
        var greeting = await Workflow.ExecuteChildWorkflowAsync((ChildWorkflow c) => c.RunAsync("child", false));
        if (!childFails)
        {
            return greeting;
        }

        try
        {
            await Workflow.ExecuteChildWorkflowAsync((ChildWorkflow c) => c.RunAsync("child", true));
            return "unexpected";
        }
        catch (ChildWorkflowFailureException e) when (e.InnerException is ApplicationFailureException app)
        {
            return $"{greeting}|child failed: {app.Message}";
        }
    }
}

[Workflow]
public sealed class ChildWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(string name, bool fail)
    {
        if (fail)
        {
            throw new ApplicationFailureException("boom", nonRetryable: true);
        }

        return await Workflow.ExecuteActivityAsync((GreetingActivities a) => a.Greet(name), new() { StartToCloseTimeout = TimeSpan.FromSeconds(10) });
    }
}

[Workflow]
public sealed class PatchedWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        await Workflow.DelayAsync(TimeSpan.FromMilliseconds(10));
        return Workflow.Patched("new-behaviour") ? "patched" : "original";
    }
}

[Workflow]
public sealed class CancellableWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        try
        {
            await Workflow.DelayAsync(TimeSpan.FromMinutes(10));
            return "timer fired";
        }
        catch (OperationCanceledException)
        {
            return await Workflow.ExecuteActivityAsync((GreetingActivities a) => a.Greet("cleanup"),
                new() { StartToCloseTimeout = TimeSpan.FromSeconds(10), CancellationToken = CancellationToken.None });
        }
    }
}

[Workflow]
public sealed class SearchAttributeWorkflow
{
    public static readonly SearchAttributeKey<string> Stage = SearchAttributeKey.CreateKeyword("CustomKeywordField");

    [WorkflowRun]
    public async Task RunAsync(string stage)
    {
        Workflow.UpsertTypedSearchAttributes(Stage.ValueSet(stage));
        await Workflow.DelayAsync(TimeSpan.FromMilliseconds(10));
    }
}

[Workflow]
public sealed class FailsFirstAttemptWorkflow
{
    [WorkflowRun]
    public async Task<int> RunAsync()
    {
        await Workflow.DelayAsync(TimeSpan.FromMilliseconds(1));
        if (Workflow.Info.Attempt < 2)
        {
            throw new ApplicationFailureException("first attempt fails");
        }

        return Workflow.Info.Attempt;
    }
}

[Workflow]
public sealed class WaitsForeverWorkflow
{
    [WorkflowRun]
    public async Task RunAsync() => await Workflow.WaitConditionAsync(() => false);
}

[Workflow]
public sealed class AbandoningParentWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(string childId)
    {
        await Workflow.StartChildWorkflowAsync((WaitsForeverWorkflow c) => c.RunAsync(), new() { Id = childId, ParentClosePolicy = ParentClosePolicy.Terminate });
        return "parent done";
    }
}

[Workflow]
public sealed class SlowRetryWorkflow
{
    [WorkflowRun]
    public async Task RunAsync() =>
        await Workflow.ExecuteActivityAsync((GreetingActivities a) => a.AlwaysFailsRetryable(), new()
        {
            StartToCloseTimeout = TimeSpan.FromSeconds(10),
            RetryPolicy = new() { InitialInterval = TimeSpan.FromMilliseconds(100), BackoffCoefficient = 1 },
        });
}

[Workflow]
public sealed class LocalActivityWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync()
    {
        var first = await Workflow.ExecuteLocalActivityAsync((GreetingActivities a) => a.Greet("local"), new() { StartToCloseTimeout = TimeSpan.FromSeconds(10) });
        await Workflow.DelayAsync(TimeSpan.FromMilliseconds(10));
        var second = await Workflow.ExecuteLocalActivityAsync((GreetingActivities a) => a.Flaky(), new()
        {
            StartToCloseTimeout = TimeSpan.FromSeconds(10),
            RetryPolicy = new() { InitialInterval = TimeSpan.FromMilliseconds(20), BackoffCoefficient = 1 },
        });
        return $"{first}|{second}";
    }
}

/// <summary>Reports how each kind of activity timeout reached the workflow.</summary>
[Workflow]
public sealed class ActivityTimeoutsWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(string unpolledTaskQueue)
    {
        var scheduleToStart = await TimeoutKindAsync(Workflow.ExecuteActivityAsync((GreetingActivities a) => a.Greet("nobody"), new()
        {
            TaskQueue = unpolledTaskQueue,
            ScheduleToStartTimeout = TimeSpan.FromMilliseconds(500),
            StartToCloseTimeout = TimeSpan.FromSeconds(10),
        }));
        var scheduleToClose = await TimeoutKindAsync(Workflow.ExecuteActivityAsync((GreetingActivities a) => a.AlwaysFailsRetryable(), new()
        {
            ScheduleToCloseTimeout = TimeSpan.FromSeconds(1),
            RetryPolicy = new() { InitialInterval = TimeSpan.FromMilliseconds(100), BackoffCoefficient = 1 },
        }));
        return $"{scheduleToStart},{scheduleToClose}";
    }

    private static async Task<string> TimeoutKindAsync(Task activity)
    {
        try
        {
            await activity;
            return "completed";
        }
        catch (ActivityFailureException e) when (e.InnerException is TimeoutFailureException timeout)
        {
            return timeout.TimeoutType.ToString();
        }
        catch (ActivityFailureException e)
        {
            return $"failed:{e.InnerException?.GetType().Name}:{e.RetryState}";
        }
    }
}

[Workflow]
public sealed class ChildLifecycleWorkflow
{
    [WorkflowRun]
    public async Task<string> RunAsync(string terminatedChildId)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Workflow.CancellationToken);
        var canceledChild = await Workflow.StartChildWorkflowAsync((CancellableWorkflow c) => c.RunAsync(), new() { CancellationToken = cancel.Token });
        await Workflow.DelayAsync(TimeSpan.FromMilliseconds(100));
        cancel.Cancel();
        var canceledResult = await canceledChild.GetResultAsync();

        var terminatedChild = await Workflow.StartChildWorkflowAsync((WaitsForeverWorkflow c) => c.RunAsync(), new() { Id = terminatedChildId });
        try
        {
            await terminatedChild.GetResultAsync();
            return "child not terminated";
        }
        catch (ChildWorkflowFailureException e) when (e.InnerException is TerminatedFailureException)
        {
            return $"{canceledResult}|terminated";
        }
    }
}
