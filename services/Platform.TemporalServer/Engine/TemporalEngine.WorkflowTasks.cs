using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Platform.TemporalServer.Grpc;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.Protocol.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.WorkflowService.V1;

namespace Platform.TemporalServer.Engine;

internal sealed partial class TemporalEngine
{
    public async Task<PollWorkflowTaskQueueResponse> PollWorkflowTaskQueueAsync(PollWorkflowTaskQueueRequest request, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            RequireNamespace(request.Namespace);
        }

        if (string.IsNullOrEmpty(request.TaskQueue?.Name))
        {
            throw RpcErrors.InvalidArgument("Missing task queue name.");
        }

        var sticky = request.TaskQueue.Kind == TaskQueueKind.Sticky;
        var deadline = Now + Options.LongPollTimeout;
        while (true)
        {
            var task = await _workflowQueues.DequeueAsync(request.Namespace, request.TaskQueue.Name, deadline - Now, cancellationToken);
            if (task is null)
            {
                return new PollWorkflowTaskQueueResponse();
            }

            var response = task.Kind == TaskKind.Query
                ? StartQueryTask(task)
                : Mutate(() => StartWorkflowTask(task, request.Identity, sticky ? request.TaskQueue.Name : null));
            if (response is not null)
            {
                return response;
            }
        }
    }

    private PollWorkflowTaskQueueResponse? StartWorkflowTask(TaskRef task, string identity, string? fromStickyQueue)
    {
        if (!_runs.TryGetValue(task.Id, out var run) || !run.IsOpen
            || run.State.WorkflowTask != WorkflowTaskState.Scheduled || run.State.WorkflowTaskScheduledEventId != task.Key)
        {
            return null;
        }

        // A task offered on both queues (sticky timed out) goes to whoever polls first; a sticky poll for a run that
        // moved back to the normal queue is not served partial history.
        var partialHistory = fromStickyQueue is not null && run.StickyQueue == fromStickyQueue;
        if (fromStickyQueue is not null && !partialHistory)
        {
            return null;
        }

        var started = NewEvent(EventType.WorkflowTaskStarted);
        started.WorkflowTaskStartedEventAttributes = new WorkflowTaskStartedEventAttributes
        {
            ScheduledEventId = task.Key, Identity = identity ?? string.Empty, RequestId = Guid.NewGuid().ToString(),
        };
        Append(run, started);
        var state = run.State;
        state.WorkflowTask = WorkflowTaskState.Started;
        state.WorkflowTaskStartedEventId = started.EventId;
        state.WorkflowTaskStartedTime = Now;
        Arm(Now + WorkflowTaskTimeout(run), new DueItem(DueKind.WorkflowTaskTimeout, run.RunId, task.Key));
        var response = new PollWorkflowTaskQueueResponse
        {
            TaskToken = new TaskToken(TaskKind.Workflow, run.RunId, task.Key, Math.Max(1, state.WorkflowTaskAttempt)).ToByteString(),
            WorkflowExecution = new WorkflowExecution { WorkflowId = run.WorkflowId, RunId = run.RunId },
            WorkflowType = new WorkflowType { Name = state.WorkflowType },
            PreviousStartedEventId = state.LastCompletedWorkflowTaskStartedEventId,
            StartedEventId = started.EventId,
            Attempt = Math.Max(1, state.WorkflowTaskAttempt),
            History = new History { Events = { partialHistory ? run.History.Skip((int)state.LastCompletedWorkflowTaskStartedEventId) : run.History } },
            WorkflowExecutionTaskQueue = new TaskQueue { Name = state.TaskQueue, Kind = TaskQueueKind.Normal },
            ScheduledTime = (state.WorkflowTaskScheduledTime ?? Now).ToTimestamp(),
            StartedTime = Now.ToTimestamp(),
        };
        foreach (var update in run.AdmittedUpdates.Where(u => u.Rejection is null))
        {
            response.Messages.Add(new Message
            {
                Id = update.UpdateId + "/request",
                ProtocolInstanceId = update.UpdateId,
                EventId = started.EventId - 1,
                Body = Any.Pack(update.Request),
            });
        }

        return response;
    }

    private (Execution Run, TaskToken Token) GetStartedWorkflowTask(ByteString taskToken)
    {
        const string NotFound = "Workflow task not found.";
        var (run, token) = GetOpenRunForTaskToken(taskToken, TaskKind.Workflow, NotFound);
        if (run.State.WorkflowTask != WorkflowTaskState.Started || run.State.WorkflowTaskScheduledEventId != token.Key)
        {
            throw RpcErrors.NotFound(NotFound);
        }

        return (run, token);
    }

    public RespondWorkflowTaskCompletedResponse RespondWorkflowTaskCompleted(RespondWorkflowTaskCompletedRequest request) => Mutate(() =>
    {
        var (run, _) = GetStartedWorkflowTask(request.TaskToken);
        var problem = ValidateCommands(run, request);
        if (problem is { } invalid)
        {
            FailWorkflowTask(run, invalid.Cause, new Failure { Message = invalid.Message }, request.Identity);
            throw RpcErrors.InvalidArgument(invalid.Message);
        }

        var state = run.State;
        var completed = NewEvent(EventType.WorkflowTaskCompleted);
        completed.WorkflowTaskCompletedEventAttributes = new WorkflowTaskCompletedEventAttributes
        {
            ScheduledEventId = state.WorkflowTaskScheduledEventId,
            StartedEventId = state.WorkflowTaskStartedEventId,
            Identity = request.Identity ?? string.Empty,
            BinaryChecksum = request.BinaryChecksum ?? string.Empty,
            SdkMetadata = request.SdkMetadata,
            MeteringMetadata = request.MeteringMetadata,
            WorkerVersion = request.WorkerVersionStamp,
        };
        Append(run, completed);
        state.LastCompletedWorkflowTaskStartedEventId = state.WorkflowTaskStartedEventId;
        var stickyQueue = request.StickyAttributes?.WorkerTaskQueue?.Name;
        run.StickyQueue = string.IsNullOrEmpty(stickyQueue) ? null : stickyQueue;
        var stickyTimeout = request.StickyAttributes?.ScheduleToStartTimeout.OrZero() ?? TimeSpan.Zero;
        run.StickyScheduleToStart = stickyTimeout > TimeSpan.Zero ? stickyTimeout : TimeSpan.FromSeconds(5);
        state.WorkflowTaskAttempt = 1;

        // The task stays "started" while commands apply, so events they cause (child started, activity canceled...)
        // are buffered and land after all command events, as in Temporal.
        var followUps = new List<Action>();
        var messages = request.Messages.ToDictionary(m => m.Id, StringComparer.Ordinal);
        var context = new CommandContext(run, completed.EventId, request.Identity ?? string.Empty, followUps);
        foreach (var command in request.Commands)
        {
            if (command.CommandType == CommandType.ProtocolMessage)
            {
                if (messages.Remove(command.ProtocolMessageCommandAttributes.MessageId, out var message))
                {
                    ApplyProtocolMessage(run, message, completed.EventId);
                }

                continue;
            }

            ApplyCommand(context, command);
        }

        foreach (var message in messages.Values)
        {
            ApplyProtocolMessage(run, message, completed.EventId);
        }

        foreach (var followUp in followUps)
        {
            followUp();
        }

        if (run.IsOpen)
        {
            state.WorkflowTask = WorkflowTaskState.None;
            var flushed = FlushBufferedEvents(run);
            if (flushed || request.ForceCreateNewWorkflowTask || run.AdmittedUpdates.Any(u => u.Rejection is null))
            {
                ScheduleWorkflowTask(run);
            }
        }

        MarkDirty(run);
        var response = new RespondWorkflowTaskCompletedResponse();
        if (run.IsOpen)
        {
            // Eager activities: hand the worker the tasks it asked for right away (saves a poll round trip).
            foreach (var scheduledEventId in context.EagerActivities)
            {
                if (StartActivityTask(new TaskRef(TaskKind.Activity, run.RunId, scheduledEventId, 1), request.Identity ?? string.Empty) is { } activityTask)
                {
                    response.ActivityTasks.Add(activityTask);
                }
            }
        }

        return response;
    });

    public void RespondWorkflowTaskFailed(RespondWorkflowTaskFailedRequest request) => Mutate(() =>
    {
        var (run, _) = GetStartedWorkflowTask(request.TaskToken);
        FailWorkflowTask(run, request.Cause, request.Failure, request.Identity);
    });

    private void FailWorkflowTask(Execution run, WorkflowTaskFailedCause cause, Failure? failure, string? identity)
    {
        var state = run.State;
        var failed = NewEvent(EventType.WorkflowTaskFailed);
        failed.WorkflowTaskFailedEventAttributes = new WorkflowTaskFailedEventAttributes
        {
            ScheduledEventId = state.WorkflowTaskScheduledEventId,
            StartedEventId = state.WorkflowTaskStartedEventId,
            Cause = cause,
            Failure = failure,
            Identity = identity ?? string.Empty,
        };
        Append(run, failed);
        EndFailedWorkflowTask(run);
    }

    private void OnWorkflowTaskTimeoutDue(Execution run, DueItem item)
    {
        var state = run.State;
        if (state.WorkflowTask != WorkflowTaskState.Started || state.WorkflowTaskScheduledEventId != item.Key
            || state.WorkflowTaskStartedTime is not { } startedTime || startedTime + WorkflowTaskTimeout(run) > Now)
        {
            return;
        }

        var timedOut = NewEvent(EventType.WorkflowTaskTimedOut);
        timedOut.WorkflowTaskTimedOutEventAttributes = new WorkflowTaskTimedOutEventAttributes
        {
            ScheduledEventId = state.WorkflowTaskScheduledEventId, StartedEventId = state.WorkflowTaskStartedEventId, TimeoutType = TimeoutType.StartToClose,
        };
        Append(run, timedOut);
        EndFailedWorkflowTask(run);
    }

    private void EndFailedWorkflowTask(Execution run)
    {
        run.StickyQueue = null;
        run.State.WorkflowTask = WorkflowTaskState.None;
        run.State.WorkflowTaskAttempt = Math.Max(1, run.State.WorkflowTaskAttempt) + 1;
        FlushBufferedEvents(run);
        ScheduleWorkflowTask(run);
    }

    private sealed record CommandContext(Execution Run, long CompletedEventId, string Identity, List<Action> FollowUps)
    {
        public List<long> EagerActivities { get; } = [];
    }

    private sealed record CommandProblem(WorkflowTaskFailedCause Cause, string Message);

    /// <summary>Rejects a workflow task completion before anything is written (Temporal fails the task with a cause).</summary>
    private static CommandProblem? ValidateCommands(Execution run, RespondWorkflowTaskCompletedRequest request)
    {
        var state = run.State;
        var activityIds = new HashSet<string>(state.Activities.Values.Select(a => a.ActivityId), StringComparer.Ordinal);
        var timerIds = new HashSet<string>(state.Timers.Keys, StringComparer.Ordinal);
        for (var i = 0; i < request.Commands.Count; i++)
        {
            var command = request.Commands[i];
            var isTerminal = command.CommandType is CommandType.CompleteWorkflowExecution or CommandType.FailWorkflowExecution
                or CommandType.CancelWorkflowExecution or CommandType.ContinueAsNewWorkflowExecution;
            if (isTerminal)
            {
                if (state.BufferedEvents.Count > 0)
                {
                    return new(WorkflowTaskFailedCause.UnhandledCommand, "UnhandledCommand");
                }

                if (request.Commands.Skip(i + 1).Any(c => c.CommandType != CommandType.ProtocolMessage))
                {
                    return new(WorkflowTaskFailedCause.BadCompleteWorkflowExecutionAttributes, $"invalid command sequence: {command.CommandType} must be the last command.");
                }
            }

            switch (command.CommandType)
            {
                case CommandType.ScheduleActivityTask:
                    var schedule = command.ScheduleActivityTaskCommandAttributes;
                    if (schedule is null || string.IsNullOrEmpty(schedule.ActivityId) || string.IsNullOrEmpty(schedule.ActivityType?.Name))
                    {
                        return new(WorkflowTaskFailedCause.BadScheduleActivityAttributes, "ActivityId and ActivityType are required.");
                    }

                    if (!activityIds.Add(schedule.ActivityId))
                    {
                        return new(WorkflowTaskFailedCause.ScheduleActivityDuplicateId, $"Activity ID {schedule.ActivityId} is already pending.");
                    }

                    if (schedule.ScheduleToCloseTimeout.OrZero() <= TimeSpan.Zero && schedule.StartToCloseTimeout.OrZero() <= TimeSpan.Zero)
                    {
                        return new(WorkflowTaskFailedCause.BadScheduleActivityAttributes, "A valid StartToClose or ScheduleToCloseTimeout is not set on ScheduleActivityTaskCommand.");
                    }

                    break;
                case CommandType.StartTimer:
                    var timer = command.StartTimerCommandAttributes;
                    if (timer is null || string.IsNullOrEmpty(timer.TimerId) || timer.StartToFireTimeout.OrZero() <= TimeSpan.Zero)
                    {
                        return new(WorkflowTaskFailedCause.BadStartTimerAttributes, "TimerId and a positive StartToFireTimeout are required.");
                    }

                    if (!timerIds.Add(timer.TimerId))
                    {
                        return new(WorkflowTaskFailedCause.StartTimerDuplicateId, $"Timer ID {timer.TimerId} is already pending.");
                    }

                    break;
                case CommandType.CancelTimer:
                    if (!timerIds.Remove(command.CancelTimerCommandAttributes?.TimerId ?? string.Empty))
                    {
                        return new(WorkflowTaskFailedCause.BadCancelTimerAttributes, "Timer to cancel is not pending.");
                    }

                    break;
                case CommandType.RequestCancelActivityTask:
                    if (!state.Activities.ContainsKey(command.RequestCancelActivityTaskCommandAttributes?.ScheduledEventId ?? 0)
                        && !ScheduledInThisTask(request, i, command.RequestCancelActivityTaskCommandAttributes?.ScheduledEventId ?? 0, run))
                    {
                        return new(WorkflowTaskFailedCause.BadRequestCancelActivityAttributes, "Activity to cancel is not pending.");
                    }

                    break;
                case CommandType.StartChildWorkflowExecution:
                    var child = command.StartChildWorkflowExecutionCommandAttributes;
                    if (child is null || string.IsNullOrEmpty(child.WorkflowId) || string.IsNullOrEmpty(child.WorkflowType?.Name))
                    {
                        return new(WorkflowTaskFailedCause.BadStartChildExecutionAttributes, "Child WorkflowId and WorkflowType are required.");
                    }

                    break;
                case CommandType.SignalExternalWorkflowExecution:
                    var signal = command.SignalExternalWorkflowExecutionCommandAttributes;
                    if (signal is null || string.IsNullOrEmpty(signal.Execution?.WorkflowId) || string.IsNullOrEmpty(signal.SignalName))
                    {
                        return new(WorkflowTaskFailedCause.BadSignalWorkflowExecutionAttributes, "Signal target WorkflowId and SignalName are required.");
                    }

                    break;
                case CommandType.RequestCancelExternalWorkflowExecution:
                    if (string.IsNullOrEmpty(command.RequestCancelExternalWorkflowExecutionCommandAttributes?.WorkflowId))
                    {
                        return new(WorkflowTaskFailedCause.BadRequestCancelExternalWorkflowExecutionAttributes, "Cancel target WorkflowId is required.");
                    }

                    break;
                case CommandType.ScheduleNexusOperation:
                case CommandType.RequestCancelNexusOperation:
                    return new(WorkflowTaskFailedCause.FeatureDisabled, "Nexus operations are not supported by this server.");
                case CommandType.Unspecified:
                    return new(WorkflowTaskFailedCause.UnhandledCommand, "Unknown command type.");
                default:
                    break;
            }
        }

        return null;
    }

    /// <summary>An activity scheduled earlier in the same completion gets the event ID it will be written with.</summary>
    private static bool ScheduledInThisTask(RespondWorkflowTaskCompletedRequest request, int index, long scheduledEventId, Execution run) =>
        scheduledEventId > run.NextEventId && request.Commands.Take(index).Any(c => c.CommandType == CommandType.ScheduleActivityTask);

    private void ApplyCommand(CommandContext context, Command command)
    {
        var run = context.Run;
        switch (command.CommandType)
        {
            case CommandType.ScheduleActivityTask:
                ScheduleActivity(context, command.ScheduleActivityTaskCommandAttributes);
                break;
            case CommandType.RequestCancelActivityTask:
                RequestCancelActivity(context, command.RequestCancelActivityTaskCommandAttributes.ScheduledEventId);
                break;
            case CommandType.StartTimer:
                StartTimer(context, command.StartTimerCommandAttributes);
                break;
            case CommandType.CancelTimer:
                CancelTimer(context, command.CancelTimerCommandAttributes.TimerId);
                break;
            case CommandType.RecordMarker:
                var marker = command.RecordMarkerCommandAttributes;
                var recorded = NewEvent(EventType.MarkerRecorded);
                recorded.MarkerRecordedEventAttributes = new MarkerRecordedEventAttributes
                {
                    MarkerName = marker.MarkerName, Header = marker.Header, Failure = marker.Failure, WorkflowTaskCompletedEventId = context.CompletedEventId,
                };
                recorded.MarkerRecordedEventAttributes.Details.Add(marker.Details);
                Append(run, recorded);
                break;
            case CommandType.UpsertWorkflowSearchAttributes:
                var upsert = command.UpsertWorkflowSearchAttributesCommandAttributes;
                var upserted = NewEvent(EventType.UpsertWorkflowSearchAttributes);
                upserted.UpsertWorkflowSearchAttributesEventAttributes = new UpsertWorkflowSearchAttributesEventAttributes
                {
                    SearchAttributes = upsert.SearchAttributes, WorkflowTaskCompletedEventId = context.CompletedEventId,
                };
                Append(run, upserted);
                run.State.SearchAttributes = MergeSearchAttributes(run.State.SearchAttributes, upsert.SearchAttributes).ToByteArray();
                break;
            case CommandType.ModifyWorkflowProperties:
                var modify = command.ModifyWorkflowPropertiesCommandAttributes;
                var modified = NewEvent(EventType.WorkflowPropertiesModified);
                modified.WorkflowPropertiesModifiedEventAttributes = new WorkflowPropertiesModifiedEventAttributes
                {
                    UpsertedMemo = modify.UpsertedMemo, WorkflowTaskCompletedEventId = context.CompletedEventId,
                };
                Append(run, modified);
                run.State.Memo = MergeMemo(run.State.Memo, modify.UpsertedMemo).ToByteArray();
                break;
            case CommandType.CompleteWorkflowExecution:
                var result = command.CompleteWorkflowExecutionCommandAttributes.Result;
                var cronRunId = ReserveCronSuccessor(run);
                var completed = NewEvent(EventType.WorkflowExecutionCompleted);
                completed.WorkflowExecutionCompletedEventAttributes = new WorkflowExecutionCompletedEventAttributes
                {
                    Result = result, WorkflowTaskCompletedEventId = context.CompletedEventId, NewExecutionRunId = cronRunId ?? string.Empty,
                };
                Append(run, completed);
                CloseRun(run, WorkflowExecutionStatus.Completed);
                StartCronSuccessor(run, cronRunId, result, null);
                break;
            case CommandType.FailWorkflowExecution:
                var failure = command.FailWorkflowExecutionCommandAttributes.Failure;
                var retryState = TryRetryWorkflow(run, failure, isTimeout: false, out var retryRunId);
                var cronAfterFailure = retryRunId is null ? ReserveCronSuccessor(run) : null;
                var failed = NewEvent(EventType.WorkflowExecutionFailed);
                failed.WorkflowExecutionFailedEventAttributes = new WorkflowExecutionFailedEventAttributes
                {
                    Failure = failure, RetryState = retryState, WorkflowTaskCompletedEventId = context.CompletedEventId,
                    NewExecutionRunId = retryRunId ?? cronAfterFailure ?? string.Empty,
                };
                Append(run, failed);
                CloseRun(run, WorkflowExecutionStatus.Failed);
                StartPendingRetry(run, retryRunId);
                StartCronSuccessor(run, cronAfterFailure, null, failure);
                break;
            case CommandType.CancelWorkflowExecution:
                var canceled = NewEvent(EventType.WorkflowExecutionCanceled);
                canceled.WorkflowExecutionCanceledEventAttributes = new WorkflowExecutionCanceledEventAttributes
                {
                    Details = command.CancelWorkflowExecutionCommandAttributes.Details, WorkflowTaskCompletedEventId = context.CompletedEventId,
                };
                Append(run, canceled);
                CloseRun(run, WorkflowExecutionStatus.Canceled);
                break;
            case CommandType.ContinueAsNewWorkflowExecution:
                ContinueAsNew(context, command.ContinueAsNewWorkflowExecutionCommandAttributes);
                break;
            case CommandType.StartChildWorkflowExecution:
                InitiateChild(context, command.StartChildWorkflowExecutionCommandAttributes);
                break;
            case CommandType.SignalExternalWorkflowExecution:
                SignalExternal(context, command.SignalExternalWorkflowExecutionCommandAttributes);
                break;
            case CommandType.RequestCancelExternalWorkflowExecution:
                CancelExternal(context, command.RequestCancelExternalWorkflowExecutionCommandAttributes);
                break;
            case CommandType.Unspecified:
            case CommandType.ProtocolMessage:
            case CommandType.ScheduleNexusOperation:
            case CommandType.RequestCancelNexusOperation:
            default:
                break;
        }
    }

    private static SearchAttributes MergeSearchAttributes(byte[]? current, SearchAttributes? upsert)
    {
        var merged = current is null ? new SearchAttributes() : SearchAttributes.Parser.ParseFrom(current);
        if (upsert is null)
        {
            return merged;
        }

        foreach (var (key, value) in upsert.IndexedFields)
        {
            if (value.Data.IsEmpty || value.Data.ToStringUtf8() is "null" or "[]")
            {
                merged.IndexedFields.Remove(key);
            }
            else
            {
                merged.IndexedFields[key] = value;
            }
        }

        return merged;
    }

    private static Memo MergeMemo(byte[]? current, Memo? upsert)
    {
        var merged = current is null ? new Memo() : Memo.Parser.ParseFrom(current);
        if (upsert is null)
        {
            return merged;
        }

        foreach (var (key, value) in upsert.Fields)
        {
            if (value.Data.IsEmpty)
            {
                merged.Fields.Remove(key);
            }
            else
            {
                merged.Fields[key] = value;
            }
        }

        return merged;
    }
}
