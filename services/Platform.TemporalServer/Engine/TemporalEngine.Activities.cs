using Google.Protobuf;
using Platform.TemporalServer.Grpc;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.WorkflowService.V1;

namespace Platform.TemporalServer.Engine;

internal sealed partial class TemporalEngine
{
    private static ActivityTaskScheduledEventAttributes ScheduledAttributes(Execution run, ActivityRecord activity) =>
        run.History[(int)activity.ScheduledEventId - 1].ActivityTaskScheduledEventAttributes;

    private void ScheduleActivity(CommandContext context, ScheduleActivityTaskCommandAttributes command)
    {
        var run = context.Run;
        var runTimeout = run.State.RunDeadline is { } deadline ? deadline - Now : TimeSpan.Zero;
        var scheduleToClose = command.ScheduleToCloseTimeout.OrZero();
        var scheduleToStart = command.ScheduleToStartTimeout.OrZero();
        var startToClose = command.StartToCloseTimeout.OrZero();
        if (runTimeout > TimeSpan.Zero && (scheduleToClose <= TimeSpan.Zero || scheduleToClose > runTimeout))
        {
            scheduleToClose = runTimeout;
        }

        if (scheduleToClose > TimeSpan.Zero)
        {
            scheduleToStart = scheduleToStart > TimeSpan.Zero ? Min(scheduleToStart, scheduleToClose) : scheduleToClose;
            startToClose = startToClose > TimeSpan.Zero ? Min(startToClose, scheduleToClose) : scheduleToClose;
        }

        var heartbeat = command.HeartbeatTimeout.OrZero();
        if (heartbeat > startToClose)
        {
            heartbeat = startToClose;
        }

        var policy = command.RetryPolicy?.Clone() ?? new RetryPolicy();
        if (policy.InitialInterval.OrZero() <= TimeSpan.Zero)
        {
            policy.InitialInterval = TimeSpan.FromSeconds(1).ToDuration();
        }

        if (policy.BackoffCoefficient < 1)
        {
            policy.BackoffCoefficient = 2;
        }

        if (policy.MaximumInterval.OrZero() <= TimeSpan.Zero)
        {
            policy.MaximumInterval = (policy.InitialInterval.ToTimeSpan() * 100).ToDuration();
        }

        var scheduled = NewEvent(EventType.ActivityTaskScheduled);
        scheduled.ActivityTaskScheduledEventAttributes = new ActivityTaskScheduledEventAttributes
        {
            ActivityId = command.ActivityId,
            ActivityType = command.ActivityType,
            TaskQueue = string.IsNullOrEmpty(command.TaskQueue?.Name)
                ? new Temporalio.Api.TaskQueue.V1.TaskQueue { Name = run.State.TaskQueue, Kind = TaskQueueKind.Normal }
                : command.TaskQueue,
            Header = command.Header,
            Input = command.Input,
            ScheduleToCloseTimeout = scheduleToClose.ToDuration(),
            ScheduleToStartTimeout = scheduleToStart.ToDuration(),
            StartToCloseTimeout = startToClose.ToDuration(),
            HeartbeatTimeout = heartbeat.ToDuration(),
            WorkflowTaskCompletedEventId = context.CompletedEventId,
            RetryPolicy = policy,
            Priority = command.Priority,
        };
        Append(run, scheduled);
        var activity = new ActivityRecord
        {
            ScheduledEventId = scheduled.EventId,
            ActivityId = command.ActivityId,
            ScheduledTime = Now,
            AttemptScheduledTime = Now,
        };
        run.State.Activities[scheduled.EventId] = activity;
        var eager = command.RequestEagerExecution && scheduled.ActivityTaskScheduledEventAttributes.TaskQueue.Name == run.State.TaskQueue;
        if (eager)
        {
            context.EagerActivities.Add(scheduled.EventId);
        }

        ArmActivity(run, activity, dispatch: !eager);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    /// <summary>Queues the activity (when it waits for a worker) and arms every timeout that applies to its state.</summary>
    private void ArmActivity(Execution run, ActivityRecord activity, bool dispatch)
    {
        var attributes = ScheduledAttributes(run, activity);
        var scheduleToClose = attributes.ScheduleToCloseTimeout.OrZero();
        if (scheduleToClose > TimeSpan.Zero)
        {
            Arm(activity.ScheduledTime + scheduleToClose,
                new DueItem(DueKind.ActivityTimeout, run.RunId, activity.ScheduledEventId, 0, TimeoutType: TimeoutType.ScheduleToClose));
        }

        if (activity.RetryAt is { } retryAt)
        {
            Arm(retryAt, new DueItem(DueKind.ActivityRetry, run.RunId, activity.ScheduledEventId, activity.Attempt));
            return;
        }

        if (activity.State == ActivityState.Scheduled)
        {
            if (dispatch)
            {
                _activityQueues.Enqueue(run.Namespace, attributes.TaskQueue.Name,
                    new TaskRef(TaskKind.Activity, run.RunId, activity.ScheduledEventId, activity.Attempt));
            }

            var scheduleToStart = attributes.ScheduleToStartTimeout.OrZero();
            if (scheduleToStart > TimeSpan.Zero && scheduleToStart != scheduleToClose)
            {
                Arm(activity.AttemptScheduledTime + scheduleToStart,
                    new DueItem(DueKind.ActivityTimeout, run.RunId, activity.ScheduledEventId, activity.Attempt, TimeoutType: TimeoutType.ScheduleToStart));
            }

            return;
        }

        var startedTime = activity.StartedTime ?? Now;
        var startToClose = attributes.StartToCloseTimeout.OrZero();
        if (startToClose > TimeSpan.Zero)
        {
            Arm(startedTime + startToClose,
                new DueItem(DueKind.ActivityTimeout, run.RunId, activity.ScheduledEventId, activity.Attempt, TimeoutType: TimeoutType.StartToClose));
        }

        var heartbeat = attributes.HeartbeatTimeout.OrZero();
        if (heartbeat > TimeSpan.Zero)
        {
            Arm((activity.LastHeartbeatTime ?? startedTime) + heartbeat,
                new DueItem(DueKind.ActivityTimeout, run.RunId, activity.ScheduledEventId, activity.Attempt, TimeoutType: TimeoutType.Heartbeat));
        }
    }

    private void RequestCancelActivity(CommandContext context, long scheduledEventId)
    {
        var run = context.Run;
        if (!run.State.Activities.TryGetValue(scheduledEventId, out var activity))
        {
            return;
        }

        var requested = NewEvent(EventType.ActivityTaskCancelRequested);
        requested.ActivityTaskCancelRequestedEventAttributes = new ActivityTaskCancelRequestedEventAttributes
        {
            ScheduledEventId = scheduledEventId, WorkflowTaskCompletedEventId = context.CompletedEventId,
        };
        Append(run, requested);
        activity.CancelRequested = true;
        activity.CancelRequestedEventId = requested.EventId;
        if (activity.State == ActivityState.Scheduled)
        {
            // Not running anywhere: canceled at once.
            run.State.Activities.Remove(scheduledEventId);
            var canceled = NewEvent(EventType.ActivityTaskCanceled);
            canceled.ActivityTaskCanceledEventAttributes = new ActivityTaskCanceledEventAttributes
            {
                ScheduledEventId = scheduledEventId, LatestCancelRequestedEventId = requested.EventId, Identity = context.Identity,
            };
            AppendForWorkflow(run, canceled);
        }
    }

    public async Task<PollActivityTaskQueueResponse> PollActivityTaskQueueAsync(PollActivityTaskQueueRequest request, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            RequireNamespace(request.Namespace);
        }

        if (string.IsNullOrEmpty(request.TaskQueue?.Name))
        {
            throw RpcErrors.InvalidArgument("Missing task queue name.");
        }

        var deadline = Now + Options.LongPollTimeout;
        while (true)
        {
            var task = await _activityQueues.DequeueAsync(request.Namespace, request.TaskQueue.Name, deadline - Now, cancellationToken);
            if (task is null)
            {
                return new PollActivityTaskQueueResponse();
            }

            var response = Mutate(() => StartActivityTask(task, request.Identity));
            if (response is not null)
            {
                return response;
            }
        }
    }

    private PollActivityTaskQueueResponse? StartActivityTask(TaskRef task, string identity)
    {
        if (!_runs.TryGetValue(task.Id, out var run) || !run.IsOpen
            || !run.State.Activities.TryGetValue(task.Key, out var activity)
            || activity.Attempt != task.Attempt || activity.State != ActivityState.Scheduled || activity.RetryAt is not null)
        {
            return null;
        }

        activity.State = ActivityState.Started;
        activity.StartedTime = Now;
        activity.LastHeartbeatTime = null;
        activity.Identity = identity;
        MarkDirty(run);
        ArmActivity(run, activity, dispatch: false);
        var attributes = ScheduledAttributes(run, activity);
        return new PollActivityTaskQueueResponse
        {
            TaskToken = new TaskToken(TaskKind.Activity, run.RunId, activity.ScheduledEventId, activity.Attempt).ToByteString(),
            WorkflowNamespace = run.Namespace,
            WorkflowType = new WorkflowType { Name = run.State.WorkflowType },
            WorkflowExecution = new WorkflowExecution { WorkflowId = run.WorkflowId, RunId = run.RunId },
            ActivityType = attributes.ActivityType,
            ActivityId = attributes.ActivityId,
            Header = attributes.Header,
            Input = attributes.Input,
            HeartbeatDetails = activity.HeartbeatDetails is null ? null : Payloads.Parser.ParseFrom(activity.HeartbeatDetails),
            ScheduledTime = activity.ScheduledTime.ToTimestamp(),
            CurrentAttemptScheduledTime = activity.AttemptScheduledTime.ToTimestamp(),
            StartedTime = Now.ToTimestamp(),
            Attempt = activity.Attempt,
            ScheduleToCloseTimeout = attributes.ScheduleToCloseTimeout,
            StartToCloseTimeout = attributes.StartToCloseTimeout,
            HeartbeatTimeout = attributes.HeartbeatTimeout,
            RetryPolicy = attributes.RetryPolicy,
            Priority = attributes.Priority,
        };
    }

    private (Execution Run, ActivityRecord Activity) GetStartedActivity(ByteString taskToken)
    {
        const string NotFound = "Activity task not found.";
        var (run, token) = GetOpenRunForTaskToken(taskToken, TaskKind.Activity, NotFound);
        if (!run.State.Activities.TryGetValue(token.Key, out var activity) || activity.Attempt != token.Attempt || activity.State != ActivityState.Started)
        {
            throw RpcErrors.NotFound(NotFound);
        }

        return (run, activity);
    }

    private (Execution Run, ActivityRecord Activity) GetStartedActivityById(string ns, string workflowId, string? runId, string activityId)
    {
        var run = GetOpenRun(ns, workflowId, runId);
        var activity = run.State.Activities.Values.FirstOrDefault(a => a.ActivityId == activityId);
        return activity is { State: ActivityState.Started } ? (run, activity) : throw RpcErrors.NotFound("Activity task not found.");
    }

    public RecordActivityTaskHeartbeatResponse RecordActivityTaskHeartbeat(ByteString taskToken, Payloads? details) => Mutate(() =>
    {
        var (run, activity) = GetStartedActivity(taskToken);
        return Heartbeat(run, activity, details);
    });

    public RecordActivityTaskHeartbeatResponse RecordActivityTaskHeartbeatById(string ns, string workflowId, string? runId, string activityId, Payloads? details) => Mutate(() =>
    {
        var (run, activity) = GetStartedActivityById(ns, workflowId, runId, activityId);
        return Heartbeat(run, activity, details);
    });

    private RecordActivityTaskHeartbeatResponse Heartbeat(Execution run, ActivityRecord activity, Payloads? details)
    {
        activity.LastHeartbeatTime = Now;
        if (details is not null)
        {
            activity.HeartbeatDetails = details.ToByteArray();
        }

        MarkDirty(run);
        return new RecordActivityTaskHeartbeatResponse { CancelRequested = activity.CancelRequested };
    }

    public void RespondActivityTaskCompleted(ByteString taskToken, Payloads? result, string identity) => Mutate(() =>
    {
        var (run, activity) = GetStartedActivity(taskToken);
        CompleteActivity(run, activity, result, identity);
    });

    public void RespondActivityTaskCompletedById(string ns, string workflowId, string? runId, string activityId, Payloads? result, string identity) => Mutate(() =>
    {
        var (run, activity) = GetStartedActivityById(ns, workflowId, runId, activityId);
        CompleteActivity(run, activity, result, identity);
    });

    public void RespondActivityTaskFailed(ByteString taskToken, Failure? failure, Payloads? lastHeartbeatDetails, string identity) => Mutate(() =>
    {
        var (run, activity) = GetStartedActivity(taskToken);
        FailActivity(run, activity, failure, lastHeartbeatDetails, identity);
    });

    public void RespondActivityTaskFailedById(string ns, string workflowId, string? runId, string activityId, Failure? failure, Payloads? lastHeartbeatDetails, string identity) => Mutate(() =>
    {
        var (run, activity) = GetStartedActivityById(ns, workflowId, runId, activityId);
        FailActivity(run, activity, failure, lastHeartbeatDetails, identity);
    });

    public void RespondActivityTaskCanceled(ByteString taskToken, Payloads? details, string identity) => Mutate(() =>
    {
        var (run, activity) = GetStartedActivity(taskToken);
        CancelActivity(run, activity, details, identity);
    });

    public void RespondActivityTaskCanceledById(string ns, string workflowId, string? runId, string activityId, Payloads? details, string identity) => Mutate(() =>
    {
        var (run, activity) = GetStartedActivityById(ns, workflowId, runId, activityId);
        CancelActivity(run, activity, details, identity);
    });

    private void CompleteActivity(Execution run, ActivityRecord activity, Payloads? result, string identity)
    {
        var completed = NewEvent(EventType.ActivityTaskCompleted);
        completed.ActivityTaskCompletedEventAttributes = new ActivityTaskCompletedEventAttributes
        {
            Result = result, ScheduledEventId = activity.ScheduledEventId, StartedEventId = -1, Identity = identity ?? string.Empty,
        };
        FinishActivity(run, activity, completed, identity);
    }

    private void FailActivity(Execution run, ActivityRecord activity, Failure? failure, Payloads? lastHeartbeatDetails, string identity)
    {
        if (lastHeartbeatDetails is not null)
        {
            activity.HeartbeatDetails = lastHeartbeatDetails.ToByteArray();
        }

        failure ??= new Failure { Message = "activity failed without a failure" };
        var retryState = TryRetryActivity(run, activity, failure);
        if (retryState == RetryState.InProgress)
        {
            return;
        }

        var failed = NewEvent(EventType.ActivityTaskFailed);
        failed.ActivityTaskFailedEventAttributes = new ActivityTaskFailedEventAttributes
        {
            Failure = failure, ScheduledEventId = activity.ScheduledEventId, StartedEventId = -1, Identity = identity ?? string.Empty, RetryState = retryState,
        };
        FinishActivity(run, activity, failed, identity);
    }

    private void CancelActivity(Execution run, ActivityRecord activity, Payloads? details, string identity)
    {
        if (!activity.CancelRequested)
        {
            throw RpcErrors.FailedPrecondition("Activity task cancellation was not requested.");
        }

        var canceled = NewEvent(EventType.ActivityTaskCanceled);
        canceled.ActivityTaskCanceledEventAttributes = new ActivityTaskCanceledEventAttributes
        {
            Details = details, LatestCancelRequestedEventId = activity.CancelRequestedEventId, ScheduledEventId = activity.ScheduledEventId,
            StartedEventId = -1, Identity = identity ?? string.Empty,
        };
        FinishActivity(run, activity, canceled, identity);
    }

    /// <summary>
    /// Removes the activity and writes its outcome. ActivityTaskStarted (for the last attempt) is written only now, just
    /// before the closing event, so retried attempts stay out of history; activities that never started have none.
    /// </summary>
    private void FinishActivity(Execution run, ActivityRecord activity, HistoryEvent closing, string? identity)
    {
        run.State.Activities.Remove(activity.ScheduledEventId);
        if (activity.State != ActivityState.Started)
        {
            AppendForWorkflow(run, closing);
            return;
        }

        var started = NewEvent(EventType.ActivityTaskStarted);
        started.ActivityTaskStartedEventAttributes = new ActivityTaskStartedEventAttributes
        {
            ScheduledEventId = activity.ScheduledEventId, Identity = identity ?? activity.Identity ?? string.Empty, RequestId = Guid.NewGuid().ToString(),
            Attempt = activity.Attempt, LastFailure = activity.LastFailure is null ? null : Failure.Parser.ParseFrom(activity.LastFailure),
        };
        AppendForWorkflow(run, started, closing);
    }

    /// <summary>Schedules the next attempt when the retry policy allows it; returns InProgress then, otherwise why not.</summary>
    private RetryState TryRetryActivity(Execution run, ActivityRecord activity, Failure failure)
    {
        var attributes = ScheduledAttributes(run, activity);
        var policy = attributes.RetryPolicy;
        if (activity.CancelRequested)
        {
            return RetryState.CancelRequested;
        }

        var application = failure.ApplicationFailureInfo;
        if (application is { NonRetryable: true } || (application is not null && policy.NonRetryableErrorTypes.Contains(application.Type)))
        {
            return RetryState.NonRetryableFailure;
        }

        if (policy.MaximumAttempts > 0 && activity.Attempt >= policy.MaximumAttempts)
        {
            return RetryState.MaximumAttemptsReached;
        }

        var backoff = application?.NextRetryDelay is { } explicitDelay && explicitDelay.ToTimeSpan() > TimeSpan.Zero
            ? explicitDelay.ToTimeSpan()
            : Backoff(policy, activity.Attempt);
        var scheduleToClose = attributes.ScheduleToCloseTimeout.OrZero();
        if (scheduleToClose > TimeSpan.Zero && Now + backoff >= activity.ScheduledTime + scheduleToClose)
        {
            return RetryState.Timeout;
        }

        activity.Attempt++;
        activity.State = ActivityState.Scheduled;
        activity.StartedTime = null;
        activity.LastHeartbeatTime = null;
        activity.LastFailure = failure.ToByteArray();
        activity.RetryAt = Now + backoff;
        MarkDirty(run);
        Arm(activity.RetryAt.Value, new DueItem(DueKind.ActivityRetry, run.RunId, activity.ScheduledEventId, activity.Attempt));
        return RetryState.InProgress;
    }

    internal static TimeSpan Backoff(RetryPolicy policy, int attempt)
    {
        var initial = policy.InitialInterval.OrZero();
        if (initial <= TimeSpan.Zero)
        {
            initial = TimeSpan.FromSeconds(1);
        }

        var coefficient = policy.BackoffCoefficient >= 1 ? policy.BackoffCoefficient : 2;
        var seconds = initial.TotalSeconds * Math.Pow(coefficient, attempt - 1);
        var maximum = policy.MaximumInterval.OrZero();
        if (maximum > TimeSpan.Zero && seconds > maximum.TotalSeconds)
        {
            seconds = maximum.TotalSeconds;
        }

        return TimeSpan.FromSeconds(Math.Min(seconds, TimeSpan.FromDays(3650).TotalSeconds));
    }

    private void OnActivityRetryDue(Execution run, DueItem item)
    {
        if (!run.State.Activities.TryGetValue(item.Key, out var activity) || activity.Attempt != item.Attempt || activity.RetryAt is null)
        {
            return;
        }

        activity.RetryAt = null;
        activity.AttemptScheduledTime = Now;
        MarkDirty(run);
        ArmActivity(run, activity, dispatch: true);
    }

    private void OnActivityTimeoutDue(Execution run, DueItem item, DateTime now)
    {
        if (!run.State.Activities.TryGetValue(item.Key, out var activity))
        {
            return;
        }

        var attributes = ScheduledAttributes(run, activity);
        switch (item.TimeoutType)
        {
            case TimeoutType.ScheduleToClose:
                break;
            case TimeoutType.ScheduleToStart when activity.Attempt == item.Attempt && activity.State == ActivityState.Scheduled && activity.RetryAt is null:
                break;
            case TimeoutType.StartToClose when activity.Attempt == item.Attempt && activity.State == ActivityState.Started:
                break;
            case TimeoutType.Heartbeat when activity.Attempt == item.Attempt && activity.State == ActivityState.Started:
                var expiresAt = (activity.LastHeartbeatTime ?? activity.StartedTime ?? now) + attributes.HeartbeatTimeout.OrZero();
                if (expiresAt > now)
                {
                    Arm(expiresAt, item);
                    return;
                }

                break;
            default:
                return;
        }

        var failure = new Failure
        {
            Message = $"activity {item.TimeoutType} timeout",
            Source = "Server",
            TimeoutFailureInfo = new TimeoutFailureInfo
            {
                TimeoutType = item.TimeoutType,
                LastHeartbeatDetails = activity.HeartbeatDetails is null ? null : Payloads.Parser.ParseFrom(activity.HeartbeatDetails),
            },
        };
        var retryState = item.TimeoutType is TimeoutType.StartToClose or TimeoutType.Heartbeat
            ? TryRetryActivity(run, activity, failure)
            : RetryState.Timeout;
        if (retryState == RetryState.InProgress)
        {
            return;
        }

        var timedOut = NewEvent(EventType.ActivityTaskTimedOut);
        timedOut.ActivityTaskTimedOutEventAttributes = new ActivityTaskTimedOutEventAttributes
        {
            Failure = failure, ScheduledEventId = activity.ScheduledEventId, StartedEventId = activity.State == ActivityState.Started ? -1 : 0, RetryState = retryState,
        };
        FinishActivity(run, activity, timedOut, activity.Identity);
    }

    private void StartTimer(CommandContext context, StartTimerCommandAttributes command)
    {
        var run = context.Run;
        var started = NewEvent(EventType.TimerStarted);
        started.TimerStartedEventAttributes = new TimerStartedEventAttributes
        {
            TimerId = command.TimerId, StartToFireTimeout = command.StartToFireTimeout, WorkflowTaskCompletedEventId = context.CompletedEventId,
        };
        Append(run, started);
        var timer = new TimerRecord { TimerId = command.TimerId, StartedEventId = started.EventId, FireTime = Now + command.StartToFireTimeout.ToTimeSpan() };
        run.State.Timers[timer.TimerId] = timer;
        Arm(timer.FireTime, new DueItem(DueKind.UserTimer, run.RunId, timer.StartedEventId, Text: timer.TimerId));
    }

    private void CancelTimer(CommandContext context, string timerId)
    {
        var run = context.Run;
        if (!run.State.Timers.Remove(timerId, out var timer))
        {
            return;
        }

        var canceled = NewEvent(EventType.TimerCanceled);
        canceled.TimerCanceledEventAttributes = new TimerCanceledEventAttributes
        {
            TimerId = timerId, StartedEventId = timer.StartedEventId, WorkflowTaskCompletedEventId = context.CompletedEventId, Identity = context.Identity,
        };
        Append(run, canceled);
    }

    private void FireTimer(Execution run, string timerId)
    {
        if (!run.State.Timers.TryGetValue(timerId, out var timer) || timer.FireTime > Now)
        {
            return;
        }

        run.State.Timers.Remove(timerId);
        var fired = NewEvent(EventType.TimerFired);
        fired.TimerFiredEventAttributes = new TimerFiredEventAttributes { TimerId = timerId, StartedEventId = timer.StartedEventId };
        MarkDirty(run);
        AppendForWorkflow(run, fired);
    }
}
