using Google.Protobuf;
using Platform.TemporalServer.Grpc;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;

namespace Platform.TemporalServer.Engine;

/// <summary>Everything needed to create a run, whatever started it (client, child, continue-as-new, retry, schedule).</summary>
internal sealed record RunStart
{
    public required string Namespace { get; init; }

    public required string WorkflowId { get; init; }

    public required string WorkflowType { get; init; }

    public required string TaskQueue { get; init; }

    public Payloads? Input { get; init; }

    public TimeSpan ExecutionTimeout { get; init; }

    public TimeSpan RunTimeout { get; init; }

    public TimeSpan TaskTimeout { get; init; }

    public string RequestId { get; init; } = string.Empty;

    public string Identity { get; init; } = string.Empty;

    public RetryPolicy? RetryPolicy { get; init; }

    public int Attempt { get; init; } = 1;

    public Memo? Memo { get; init; }

    public SearchAttributes? SearchAttributes { get; init; }

    public Header? Header { get; init; }

    public TimeSpan StartDelay { get; init; }

    public string? FirstRunId { get; init; }

    public string? ContinuedFromRunId { get; init; }

    public ContinueAsNewInitiator Initiator { get; init; }

    public Failure? ContinuedFailure { get; init; }

    public Payloads? LastCompletionResult { get; init; }

    public DateTime? ExecutionDeadline { get; init; }

    public Execution? Parent { get; init; }

    public long ParentInitiatedEventId { get; init; }

    public ParentClosePolicy ParentClosePolicy { get; init; }

    public string? ScheduleId { get; init; }

    public string? CronSchedule { get; init; }

    public RunStart WithStartDelay(TimeSpan delay) => this with { StartDelay = delay };
}

internal sealed partial class TemporalEngine
{
    public StartWorkflowExecutionResponse StartWorkflowExecution(StartWorkflowExecutionRequest request) => Mutate(() =>
    {
        RequireNamespace(request.Namespace);
        ValidateStart(request.WorkflowId, request.WorkflowType?.Name, request.TaskQueue?.Name, request.WorkflowIdReusePolicy, request.WorkflowIdConflictPolicy,
            request.WorkflowExecutionTimeout, request.WorkflowRunTimeout, request.WorkflowTaskTimeout, request.CronSchedule);
        var existing = ResolveStartConflict(request.Namespace, request.WorkflowId, request.RequestId, request.WorkflowIdReusePolicy, request.WorkflowIdConflictPolicy);
        if (existing is not null)
        {
            return new StartWorkflowExecutionResponse
            {
                RunId = existing.RunId, Started = existing.State.StartRequestId == request.RequestId && !string.IsNullOrEmpty(request.RequestId),
                Status = existing.State.Status,
            };
        }

        var run = StartRun(FromClient(request.Namespace, request.WorkflowId, request.WorkflowType!.Name, request.TaskQueue!.Name, request.Input,
            request.WorkflowExecutionTimeout, request.WorkflowRunTimeout, request.WorkflowTaskTimeout, request.RequestId, request.Identity,
            request.RetryPolicy, request.Memo, request.SearchAttributes, request.Header, request.WorkflowStartDelay, request.CronSchedule));
        return new StartWorkflowExecutionResponse { RunId = run.RunId, Started = true, Status = WorkflowExecutionStatus.Running };
    });

    public SignalWithStartWorkflowExecutionResponse SignalWithStartWorkflowExecution(SignalWithStartWorkflowExecutionRequest request) => Mutate(() =>
    {
        RequireNamespace(request.Namespace);
        ValidateStart(request.WorkflowId, request.WorkflowType?.Name, request.TaskQueue?.Name, request.WorkflowIdReusePolicy, request.WorkflowIdConflictPolicy,
            request.WorkflowExecutionTimeout, request.WorkflowRunTimeout, request.WorkflowTaskTimeout, request.CronSchedule);
        if (string.IsNullOrEmpty(request.SignalName))
        {
            throw RpcErrors.InvalidArgument("SignalName is not set on request.");
        }

        if (_currentRuns.TryGetValue((request.Namespace, request.WorkflowId), out var current) && current.IsOpen)
        {
            if (request.WorkflowIdConflictPolicy == WorkflowIdConflictPolicy.TerminateExisting)
            {
                TerminateRun(current, "terminated by signal-with-start (conflict policy TerminateExisting)", null, request.Identity);
            }
            else
            {
                SignalRun(current, request.SignalName, request.SignalInput, request.Identity, request.Header, request.RequestId, null);
                return new SignalWithStartWorkflowExecutionResponse { RunId = current.RunId, Started = false };
            }
        }

        // A closed run only blocks the start through the reuse policy; conflicts with running ones were handled above.
        ResolveStartConflict(request.Namespace, request.WorkflowId, string.Empty, request.WorkflowIdReusePolicy, WorkflowIdConflictPolicy.Fail);
        var run = StartRun(
            FromClient(request.Namespace, request.WorkflowId, request.WorkflowType!.Name, request.TaskQueue!.Name, request.Input,
                request.WorkflowExecutionTimeout, request.WorkflowRunTimeout, request.WorkflowTaskTimeout, request.RequestId, request.Identity,
                request.RetryPolicy, request.Memo, request.SearchAttributes, request.Header, request.WorkflowStartDelay, request.CronSchedule),
            run => SignalRun(run, request.SignalName, request.SignalInput, request.Identity, request.Header, request.RequestId, null));
        return new SignalWithStartWorkflowExecutionResponse { RunId = run.RunId, Started = true };
    });

    public void SignalWorkflowExecution(SignalWorkflowExecutionRequest request) => Mutate(() =>
    {
        if (string.IsNullOrEmpty(request.SignalName))
        {
            throw RpcErrors.InvalidArgument("SignalName is not set on request.");
        }

        var run = GetOpenRun(request.Namespace, request.WorkflowExecution?.WorkflowId, request.WorkflowExecution?.RunId);
        SignalRun(run, request.SignalName, request.Input, request.Identity, request.Header, request.RequestId, null);
    });

    public void RequestCancelWorkflowExecution(RequestCancelWorkflowExecutionRequest request) => Mutate(() =>
    {
        var run = GetOpenRun(request.Namespace, request.WorkflowExecution?.WorkflowId, request.WorkflowExecution?.RunId);
        if (!string.IsNullOrEmpty(request.FirstExecutionRunId) && request.FirstExecutionRunId != run.State.FirstRunId)
        {
            throw RpcErrors.WorkflowNotFound(run.WorkflowId, request.FirstExecutionRunId);
        }

        RequestCancelRun(run, request.Reason, request.Identity, request.RequestId, 0, null);
    });

    public void TerminateWorkflowExecution(TerminateWorkflowExecutionRequest request) => Mutate(() =>
    {
        var run = GetOpenRun(request.Namespace, request.WorkflowExecution?.WorkflowId, request.WorkflowExecution?.RunId);
        if (!string.IsNullOrEmpty(request.FirstExecutionRunId) && request.FirstExecutionRunId != run.State.FirstRunId)
        {
            throw RpcErrors.WorkflowNotFound(run.WorkflowId, request.FirstExecutionRunId);
        }

        TerminateRun(run, request.Reason, request.Details, request.Identity);
    });

    private static void ValidateStart(string? workflowId, string? workflowType, string? taskQueue, WorkflowIdReusePolicy reuse, WorkflowIdConflictPolicy conflict,
        Google.Protobuf.WellKnownTypes.Duration? executionTimeout, Google.Protobuf.WellKnownTypes.Duration? runTimeout, Google.Protobuf.WellKnownTypes.Duration? taskTimeout,
        string? cronSchedule)
    {
        if (string.IsNullOrEmpty(workflowId))
        {
            throw RpcErrors.InvalidArgument("WorkflowId is not set on request.");
        }

        if (workflowId.Length > 1000)
        {
            throw RpcErrors.InvalidArgument("WorkflowId exceeds length limit.");
        }

        if (string.IsNullOrEmpty(workflowType))
        {
            throw RpcErrors.InvalidArgument("WorkflowType is not set on request.");
        }

        if (string.IsNullOrEmpty(taskQueue))
        {
            throw RpcErrors.InvalidArgument("Missing task queue name.");
        }

        if (executionTimeout.OrZero() < TimeSpan.Zero)
        {
            throw RpcErrors.InvalidArgument("Invalid WorkflowExecutionTimeoutSeconds.");
        }

        if (runTimeout.OrZero() < TimeSpan.Zero)
        {
            throw RpcErrors.InvalidArgument("Invalid WorkflowRunTimeoutSeconds.");
        }

        if (taskTimeout.OrZero() < TimeSpan.Zero)
        {
            throw RpcErrors.InvalidArgument("Invalid WorkflowTaskTimeoutSeconds.");
        }

        if (!string.IsNullOrEmpty(cronSchedule))
        {
            try
            {
                _ = new Schedules.ScheduleTimes(new Temporalio.Api.Schedule.V1.ScheduleSpec { CronString = { cronSchedule } });
            }
            catch (Schedules.ScheduleSpecException ex)
            {
                throw RpcErrors.InvalidArgument($"Invalid CronSchedule: {ex.Message}");
            }
        }

        if (reuse == WorkflowIdReusePolicy.TerminateIfRunning && conflict != WorkflowIdConflictPolicy.Unspecified)
        {
            throw RpcErrors.InvalidArgument("Invalid WorkflowIDReusePolicy: WORKFLOW_ID_REUSE_POLICY_TERMINATE_IF_RUNNING cannot be used together with a WorkflowIDConflictPolicy.");
        }
    }

    private static RunStart FromClient(string ns, string workflowId, string workflowType, string taskQueue, Payloads? input,
        Google.Protobuf.WellKnownTypes.Duration? executionTimeout, Google.Protobuf.WellKnownTypes.Duration? runTimeout, Google.Protobuf.WellKnownTypes.Duration? taskTimeout,
        string requestId, string identity, RetryPolicy? retryPolicy, Memo? memo, SearchAttributes? searchAttributes, Header? header,
        Google.Protobuf.WellKnownTypes.Duration? startDelay, string? cronSchedule) => new()
        {
            Namespace = ns, WorkflowId = workflowId, WorkflowType = workflowType, TaskQueue = taskQueue, Input = input,
            ExecutionTimeout = executionTimeout.OrZero(), RunTimeout = runTimeout.OrZero(), TaskTimeout = taskTimeout.OrZero(),
            RequestId = requestId, Identity = identity, RetryPolicy = retryPolicy, Memo = memo, SearchAttributes = searchAttributes,
            Header = header, StartDelay = startDelay.OrZero(), CronSchedule = cronSchedule,
        };

    /// <summary>
    /// Applies ID reuse and conflict policies. Returns the run to answer with (duplicate request or UseExisting), or null
    /// when a new run may start; throws AlreadyStarted otherwise. May terminate the running run (TerminateExisting).
    /// </summary>
    private Execution? ResolveStartConflict(string ns, string workflowId, string requestId, WorkflowIdReusePolicy reuse, WorkflowIdConflictPolicy conflict)
    {
        if (!_currentRuns.TryGetValue((ns, workflowId), out var existing))
        {
            return null;
        }

        if (!string.IsNullOrEmpty(requestId) && existing.State.StartRequestId == requestId)
        {
            return existing;
        }

        if (existing.IsOpen)
        {
            var effective = reuse == WorkflowIdReusePolicy.TerminateIfRunning ? WorkflowIdConflictPolicy.TerminateExisting : conflict;
            switch (effective)
            {
                case WorkflowIdConflictPolicy.UseExisting:
                    return existing;
                case WorkflowIdConflictPolicy.TerminateExisting:
                    TerminateRun(existing, "terminated by a new start (WorkflowIdConflictPolicy/ReusePolicy)", null, string.Empty);
                    return null;
                case WorkflowIdConflictPolicy.Unspecified:
                case WorkflowIdConflictPolicy.Fail:
                default:
                    throw RpcErrors.AlreadyStarted(existing.State.StartRequestId, existing.RunId, existing.State.FirstRunId);
            }
        }

        var allowed = reuse switch
        {
            WorkflowIdReusePolicy.RejectDuplicate => false,
            WorkflowIdReusePolicy.AllowDuplicateFailedOnly => existing.State.Status is WorkflowExecutionStatus.Failed or WorkflowExecutionStatus.Canceled
                or WorkflowExecutionStatus.Terminated or WorkflowExecutionStatus.TimedOut,
            _ => true,
        };
        return allowed ? null : throw RpcErrors.AlreadyStarted(existing.State.StartRequestId, existing.RunId, existing.State.FirstRunId);
    }

    /// <summary>Creates a run, writes WorkflowExecutionStarted and schedules its first workflow task.</summary>
    private Execution StartRun(RunStart start, Action<Execution>? beforeFirstTask = null)
    {
        var now = Now;
        if (!string.IsNullOrEmpty(start.CronSchedule) && start.StartDelay <= TimeSpan.Zero && NextCronTime(start.CronSchedule, now) is { } firstCronTime)
        {
            // A cron workflow's run waits for its next cron time (Temporal's first-workflow-task backoff).
            start = start.WithStartDelay(firstCronTime - now);
        }

        var runId = NewRunId();
        var run = new Execution(start.Namespace, start.WorkflowId, runId);
        var executionDeadline = start.ExecutionDeadline ?? (start.ExecutionTimeout > TimeSpan.Zero ? now + start.ExecutionTimeout : null);
        DateTime? runDeadline = start.RunTimeout > TimeSpan.Zero ? now + start.StartDelay + start.RunTimeout : null;
        if (executionDeadline is { } hard && (runDeadline is null || hard < runDeadline))
        {
            runDeadline = hard;
        }

        var runTimeout = runDeadline is { } rd ? rd - now : TimeSpan.Zero;
        var started = NewEvent(EventType.WorkflowExecutionStarted);
        var attributes = new WorkflowExecutionStartedEventAttributes
        {
            WorkflowId = start.WorkflowId,
            WorkflowType = new WorkflowType { Name = start.WorkflowType },
            TaskQueue = new TaskQueue { Name = start.TaskQueue, Kind = TaskQueueKind.Normal },
            Input = start.Input,
            WorkflowExecutionTimeout = start.ExecutionTimeout.ToDuration(),
            WorkflowRunTimeout = (start.RunTimeout > TimeSpan.Zero ? start.RunTimeout : runTimeout).ToDuration(),
            WorkflowTaskTimeout = (start.TaskTimeout > TimeSpan.Zero ? start.TaskTimeout : TimeSpan.FromSeconds(10)).ToDuration(),
            Identity = start.Identity,
            FirstExecutionRunId = start.FirstRunId ?? runId,
            OriginalExecutionRunId = runId,
            Attempt = start.Attempt,
            RetryPolicy = start.RetryPolicy,
            Memo = start.Memo,
            SearchAttributes = start.SearchAttributes,
            Header = start.Header,
            ContinuedExecutionRunId = start.ContinuedFromRunId ?? string.Empty,
            Initiator = start.Initiator,
            ContinuedFailure = start.ContinuedFailure,
            LastCompletionResult = start.LastCompletionResult,
            CronSchedule = start.CronSchedule ?? string.Empty,
        };
        if (start.StartDelay > TimeSpan.Zero)
        {
            attributes.FirstWorkflowTaskBackoff = start.StartDelay.ToDuration();
        }

        if (executionDeadline is { } expiration)
        {
            attributes.WorkflowExecutionExpirationTime = expiration.ToTimestamp();
        }

        if (start.Parent is { } parent)
        {
            attributes.ParentWorkflowNamespace = parent.Namespace;
            attributes.ParentWorkflowExecution = new WorkflowExecution { WorkflowId = parent.WorkflowId, RunId = parent.RunId };
            attributes.ParentInitiatedEventId = start.ParentInitiatedEventId;
            attributes.RootWorkflowExecution = new WorkflowExecution { WorkflowId = parent.WorkflowId, RunId = parent.RunId };
        }

        started.WorkflowExecutionStartedEventAttributes = attributes;
        run.State = new ExecutionRecord
        {
            WorkflowType = start.WorkflowType,
            TaskQueue = start.TaskQueue,
            FirstRunId = start.FirstRunId ?? runId,
            StartTime = now,
            ExecutionTime = now + start.StartDelay,
            RunDeadline = runDeadline,
            ExecutionDeadline = executionDeadline,
            StartRequestId = start.RequestId,
            SearchAttributes = start.SearchAttributes?.ToByteArray(),
            Memo = start.Memo?.ToByteArray(),
            ParentNamespace = start.Parent?.Namespace,
            ParentWorkflowId = start.Parent?.WorkflowId,
            ParentRunId = start.Parent?.RunId,
            ParentInitiatedEventId = start.ParentInitiatedEventId,
            ParentClosePolicy = start.ParentClosePolicy,
            ScheduleId = start.ScheduleId,
        };
        Append(run, started);
        _runs[runId] = run;
        _currentRuns[(start.Namespace, start.WorkflowId)] = run;
        beforeFirstTask?.Invoke(run);
        if (runDeadline is { } deadline)
        {
            Arm(deadline, new DueItem(DueKind.WorkflowRunTimeout, runId));
        }

        if (start.StartDelay > TimeSpan.Zero)
        {
            ScheduleWorkflowTask(run, start.StartDelay);
        }
        else
        {
            ScheduleWorkflowTask(run);
        }

        return run;
    }

    /// <summary>Returns false when the request ID was already applied (the duplicate is acknowledged, not repeated).</summary>
    private bool RememberRequestId(Execution run, string? requestId)
    {
        if (string.IsNullOrEmpty(requestId))
        {
            return true;
        }

        if (run.State.SeenRequestIds.Contains(requestId, StringComparer.Ordinal))
        {
            return false;
        }

        run.State.SeenRequestIds.Add(requestId);
        if (run.State.SeenRequestIds.Count > 1000)
        {
            run.State.SeenRequestIds.RemoveAt(0);
        }

        MarkDirty(run);
        return true;
    }

    private void SignalRun(Execution run, string signalName, Payloads? input, string identity, Header? header, string? requestId, WorkflowExecution? external)
    {
        if (!RememberRequestId(run, requestId))
        {
            return;
        }

        var signaled = NewEvent(EventType.WorkflowExecutionSignaled);
        signaled.WorkflowExecutionSignaledEventAttributes = new WorkflowExecutionSignaledEventAttributes
        {
            SignalName = signalName, Input = input, Identity = identity ?? string.Empty, Header = header, RequestId = requestId ?? string.Empty,
            ExternalWorkflowExecution = external,
        };
        AppendForWorkflow(run, signaled);
    }

    private void RequestCancelRun(Execution run, string? reason, string? identity, string? requestId, long externalInitiatedEventId, WorkflowExecution? external)
    {
        if (run.State.CancelRequested || !RememberRequestId(run, requestId))
        {
            return;
        }

        run.State.CancelRequested = true;
        var requested = NewEvent(EventType.WorkflowExecutionCancelRequested);
        requested.WorkflowExecutionCancelRequestedEventAttributes = new WorkflowExecutionCancelRequestedEventAttributes
        {
            Cause = reason ?? string.Empty, Identity = identity ?? string.Empty, ExternalInitiatedEventId = externalInitiatedEventId,
            ExternalWorkflowExecution = external,
        };
        AppendForWorkflow(run, requested);
    }

    private void TerminateRun(Execution run, string? reason, Payloads? details, string? identity)
    {
        if (!run.IsOpen)
        {
            return;
        }

        run.State.BufferedEvents.Clear();
        var terminated = NewEvent(EventType.WorkflowExecutionTerminated);
        terminated.WorkflowExecutionTerminatedEventAttributes = new WorkflowExecutionTerminatedEventAttributes
        {
            Reason = reason ?? string.Empty, Details = details, Identity = identity ?? string.Empty,
        };
        Append(run, terminated);
        CloseRun(run, WorkflowExecutionStatus.Terminated);
    }

    /// <summary>Marks a run closed (its close event is already written), drops pending work and tells the parent and children.</summary>
    private void CloseRun(Execution run, WorkflowExecutionStatus status)
    {
        var state = run.State;
        state.Status = status;
        state.CloseTime = Now;
        state.WorkflowTask = WorkflowTaskState.None;
        state.BufferedEvents.Clear();
        state.Activities.Clear();
        state.Timers.Clear();
        run.AdmittedUpdates.Clear();
        MarkDirty(run);
        NotifyParent(run, status);
        ApplyParentClosePolicy(run);
        OnScheduledRunClosed(run);
    }

    private void OnWorkflowRunTimeoutDue(Execution run, DateTime now)
    {
        if (run.State.RunDeadline is not { } deadline || deadline > now)
        {
            return;
        }

        var retry = TryRetryWorkflow(run, new Failure { Message = "workflow timed out", TimeoutFailureInfo = new TimeoutFailureInfo { TimeoutType = TimeoutType.StartToClose } },
            isTimeout: true, out var newRunId);
        var cronRunId = newRunId is null ? ReserveCronSuccessor(run) : null;
        var timedOut = NewEvent(EventType.WorkflowExecutionTimedOut);
        timedOut.WorkflowExecutionTimedOutEventAttributes = new WorkflowExecutionTimedOutEventAttributes { RetryState = retry, NewExecutionRunId = newRunId ?? cronRunId ?? string.Empty };
        Append(run, timedOut);
        CloseRun(run, WorkflowExecutionStatus.TimedOut);
        StartPendingRetry(run, newRunId);
        StartCronSuccessor(run, cronRunId, null, null);
    }

    public GetWorkflowExecutionHistoryResponse? TryReadHistory(GetWorkflowExecutionHistoryRequest request, out Task changed)
    {
        lock (_gate)
        {
            var run = GetRun(request.Namespace, request.Execution?.WorkflowId, request.Execution?.RunId);
            changed = run.Changed.Task;
            var closeOnly = request.HistoryEventFilterType == HistoryEventFilterType.CloseEvent;
            if (closeOnly)
            {
                if (!run.IsOpen)
                {
                    return new GetWorkflowExecutionHistoryResponse { History = new History { Events = { run.History[^1] } } };
                }

                return request.WaitNewEvent ? null : new GetWorkflowExecutionHistoryResponse { History = new History() };
            }

            var from = 0;
            if (request.NextPageToken.Length > 0 && !int.TryParse(request.NextPageToken.ToStringUtf8(), out from))
            {
                throw RpcErrors.InvalidArgument("Invalid NextPageToken.");
            }

            if (from >= run.History.Count)
            {
                if (request.WaitNewEvent && run.IsOpen)
                {
                    return null;
                }

                return new GetWorkflowExecutionHistoryResponse { History = new History() };
            }

            var pageSize = request.MaximumPageSize > 0 ? request.MaximumPageSize : int.MaxValue;
            var count = Math.Min(pageSize, run.History.Count - from);
            var response = new GetWorkflowExecutionHistoryResponse { History = new History() };
            response.History.Events.AddRange(run.History.Skip(from).Take(count));
            var next = from + count;
            if (next < run.History.Count || (request.WaitNewEvent && run.IsOpen))
            {
                response.NextPageToken = ByteString.CopyFromUtf8(next.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            return response;
        }
    }

    /// <summary>History read with Temporal's long-poll semantics (wait for new or close events).</summary>
    public async Task<GetWorkflowExecutionHistoryResponse> GetWorkflowExecutionHistoryAsync(GetWorkflowExecutionHistoryRequest request, CancellationToken cancellationToken)
    {
        var deadline = Now + Options.LongPollTimeout;
        while (true)
        {
            var response = TryReadHistory(request, out var changed);
            if (response is not null)
            {
                return response;
            }

            var remaining = deadline - Now;
            if (remaining <= TimeSpan.Zero)
            {
                // Nothing new yet: an empty page with a token tells the client to ask again.
                var token = request.NextPageToken.Length > 0 ? request.NextPageToken : ByteString.CopyFromUtf8(request.HistoryEventFilterType == HistoryEventFilterType.CloseEvent ? "0" : "0");
                return new GetWorkflowExecutionHistoryResponse { History = new History(), NextPageToken = token };
            }

            await WaitForChangeAsync(changed, remaining, cancellationToken);
        }
    }

    private static DateTime? NextCronTime(string cron, DateTime after)
    {
        try
        {
            return new Schedules.ScheduleTimes(new Temporalio.Api.Schedule.V1.ScheduleSpec { CronString = { cron } }).NextAfter(after);
        }
        catch (Schedules.ScheduleSpecException)
        {
            return null;
        }
    }

    /// <summary>For a cron workflow whose run just ended: reserves the next run's ID (null when there is none).</summary>
    private string? ReserveCronSuccessor(Execution run)
    {
        var cron = run.Started.CronSchedule;
        if (string.IsNullOrEmpty(cron) || NextCronTime(cron, Now) is not { } next || (run.State.ExecutionDeadline is { } deadline && next >= deadline))
        {
            return null;
        }

        run.State.NewRunId = Guid.NewGuid().ToString();
        return run.State.NewRunId;
    }

    /// <summary>Starts the next cron run, carrying the last result or failure (waits for the next cron time itself).</summary>
    private void StartCronSuccessor(Execution run, string? newRunId, Payloads? lastResult, Failure? failure)
    {
        if (newRunId is null)
        {
            return;
        }

        var started = run.Started;
        ParentOf(run, out var parent);
        StartContinuation(run, newRunId, new RunStart
        {
            Namespace = run.Namespace, WorkflowId = run.WorkflowId, WorkflowType = run.State.WorkflowType, TaskQueue = run.State.TaskQueue,
            Input = started.Input, ExecutionTimeout = started.WorkflowExecutionTimeout.OrZero(), RunTimeout = started.WorkflowRunTimeout.OrZero(),
            TaskTimeout = started.WorkflowTaskTimeout.OrZero(), RequestId = Guid.NewGuid().ToString(), RetryPolicy = started.RetryPolicy,
            Memo = started.Memo, SearchAttributes = started.SearchAttributes, Header = started.Header, FirstRunId = run.State.FirstRunId,
            ContinuedFromRunId = run.RunId, Initiator = ContinueAsNewInitiator.CronSchedule, ContinuedFailure = failure, LastCompletionResult = lastResult,
            ExecutionDeadline = run.State.ExecutionDeadline, ScheduleId = run.State.ScheduleId, CronSchedule = started.CronSchedule,
        }, parent);
    }
}
