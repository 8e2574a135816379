using Google.Protobuf;
using Temporalio.Api.Command.V1;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;

namespace Platform.TemporalServer.Engine;

/// <summary>Child workflows, external signals/cancels, continue-as-new and workflow-level retries.</summary>
internal sealed partial class TemporalEngine
{
    private void InitiateChild(CommandContext context, StartChildWorkflowExecutionCommandAttributes command)
    {
        var parent = context.Run;
        var ns = string.IsNullOrEmpty(command.Namespace) ? parent.Namespace : command.Namespace;
        var initiated = NewEvent(EventType.StartChildWorkflowExecutionInitiated);
        initiated.StartChildWorkflowExecutionInitiatedEventAttributes = new StartChildWorkflowExecutionInitiatedEventAttributes
        {
            Namespace = ns,
            WorkflowId = command.WorkflowId,
            WorkflowType = command.WorkflowType,
            TaskQueue = string.IsNullOrEmpty(command.TaskQueue?.Name) ? new Temporalio.Api.TaskQueue.V1.TaskQueue { Name = parent.State.TaskQueue } : command.TaskQueue,
            Input = command.Input,
            WorkflowExecutionTimeout = command.WorkflowExecutionTimeout,
            WorkflowRunTimeout = command.WorkflowRunTimeout,
            WorkflowTaskTimeout = command.WorkflowTaskTimeout,
            ParentClosePolicy = command.ParentClosePolicy,
            Control = command.Control,
            WorkflowTaskCompletedEventId = context.CompletedEventId,
            WorkflowIdReusePolicy = command.WorkflowIdReusePolicy,
            RetryPolicy = command.RetryPolicy,
            CronSchedule = command.CronSchedule,
            Header = command.Header,
            Memo = command.Memo,
            SearchAttributes = command.SearchAttributes,
            Priority = command.Priority,
        };
        Append(parent, initiated);
        var initiatedId = initiated.EventId;
        var attributes = initiated.StartChildWorkflowExecutionInitiatedEventAttributes;
        context.FollowUps.Add(() => StartChild(parent, initiatedId, attributes));
    }

    private void StartChild(Execution parent, long initiatedEventId, StartChildWorkflowExecutionInitiatedEventAttributes attributes)
    {
        Execution? child = null;
        var cause = StartChildWorkflowExecutionFailedCause.Unspecified;
        if (!_namespaces.Contains(attributes.Namespace))
        {
            cause = StartChildWorkflowExecutionFailedCause.NamespaceNotFound;
        }
        else
        {
            try
            {
                if (ResolveStartConflict(attributes.Namespace, attributes.WorkflowId, string.Empty, attributes.WorkflowIdReusePolicy, WorkflowIdConflictPolicy.Fail) is not null)
                {
                    cause = StartChildWorkflowExecutionFailedCause.WorkflowAlreadyExists;
                }
            }
            catch (global::Grpc.Core.RpcException)
            {
                cause = StartChildWorkflowExecutionFailedCause.WorkflowAlreadyExists;
            }
        }

        if (cause != StartChildWorkflowExecutionFailedCause.Unspecified)
        {
            var failed = NewEvent(EventType.StartChildWorkflowExecutionFailed);
            failed.StartChildWorkflowExecutionFailedEventAttributes = new StartChildWorkflowExecutionFailedEventAttributes
            {
                Namespace = attributes.Namespace, WorkflowId = attributes.WorkflowId, WorkflowType = attributes.WorkflowType, Cause = cause,
                Control = attributes.Control, InitiatedEventId = initiatedEventId, WorkflowTaskCompletedEventId = attributes.WorkflowTaskCompletedEventId,
            };
            AppendForWorkflow(parent, failed);
            return;
        }

        child = StartRun(new RunStart
        {
            Namespace = attributes.Namespace,
            WorkflowId = attributes.WorkflowId,
            WorkflowType = attributes.WorkflowType.Name,
            TaskQueue = attributes.TaskQueue.Name,
            Input = attributes.Input,
            ExecutionTimeout = attributes.WorkflowExecutionTimeout.OrZero(),
            RunTimeout = attributes.WorkflowRunTimeout.OrZero(),
            TaskTimeout = attributes.WorkflowTaskTimeout.OrZero(),
            RequestId = Guid.NewGuid().ToString(),
            RetryPolicy = attributes.RetryPolicy,
            Memo = attributes.Memo,
            SearchAttributes = attributes.SearchAttributes,
            Header = attributes.Header,
            Parent = parent,
            ParentInitiatedEventId = initiatedEventId,
            ParentClosePolicy = attributes.ParentClosePolicy,
            CronSchedule = attributes.CronSchedule,
        });
        var started = NewEvent(EventType.ChildWorkflowExecutionStarted);
        started.ChildWorkflowExecutionStartedEventAttributes = new ChildWorkflowExecutionStartedEventAttributes
        {
            Namespace = attributes.Namespace, InitiatedEventId = initiatedEventId,
            WorkflowExecution = new WorkflowExecution { WorkflowId = child.WorkflowId, RunId = child.RunId },
            WorkflowType = attributes.WorkflowType, Header = attributes.Header,
        };
        parent.State.Children[initiatedEventId] = new ChildRecord
        {
            InitiatedEventId = initiatedEventId, Namespace = attributes.Namespace, WorkflowId = child.WorkflowId, RunId = child.RunId,
            WorkflowType = attributes.WorkflowType.Name, ParentClosePolicy = attributes.ParentClosePolicy,
        };
        AppendForWorkflow(parent, started);

        // The started event may still be buffered; its ID is known once written.
        parent.State.Children[initiatedEventId].StartedEventId = parent.State.WorkflowTask == WorkflowTaskState.Started ? -1 : parent.NextEventId - 1;
    }

    /// <summary>Tells the parent how its child ended (continue-as-new and retries keep the child going).</summary>
    private void NotifyParent(Execution child, WorkflowExecutionStatus status)
    {
        if (status == WorkflowExecutionStatus.ContinuedAsNew || child.State.NewRunId is not null
            || child.State.ParentRunId is null || !_runs.TryGetValue(child.State.ParentRunId, out var parent) || !parent.IsOpen
            || !parent.State.Children.Remove(child.State.ParentInitiatedEventId, out var record))
        {
            return;
        }

        MarkDirty(parent);
        var startedEventId = record.StartedEventId > 0 ? record.StartedEventId : FindChildStartedEventId(parent, record.InitiatedEventId);
        var closeEvent = child.History[^1];
        HistoryEvent notification;
        IMessage attributes;
        switch (status)
        {
            case WorkflowExecutionStatus.Completed:
                notification = NewEvent(EventType.ChildWorkflowExecutionCompleted);
                attributes = notification.ChildWorkflowExecutionCompletedEventAttributes = new ChildWorkflowExecutionCompletedEventAttributes
                {
                    Result = closeEvent.WorkflowExecutionCompletedEventAttributes?.Result,
                };
                break;
            case WorkflowExecutionStatus.Failed:
                notification = NewEvent(EventType.ChildWorkflowExecutionFailed);
                attributes = notification.ChildWorkflowExecutionFailedEventAttributes = new ChildWorkflowExecutionFailedEventAttributes
                {
                    Failure = closeEvent.WorkflowExecutionFailedEventAttributes?.Failure,
                    RetryState = closeEvent.WorkflowExecutionFailedEventAttributes?.RetryState ?? RetryState.RetryPolicyNotSet,
                };
                break;
            case WorkflowExecutionStatus.Canceled:
                notification = NewEvent(EventType.ChildWorkflowExecutionCanceled);
                attributes = notification.ChildWorkflowExecutionCanceledEventAttributes = new ChildWorkflowExecutionCanceledEventAttributes
                {
                    Details = closeEvent.WorkflowExecutionCanceledEventAttributes?.Details,
                };
                break;
            case WorkflowExecutionStatus.TimedOut:
                notification = NewEvent(EventType.ChildWorkflowExecutionTimedOut);
                attributes = notification.ChildWorkflowExecutionTimedOutEventAttributes = new ChildWorkflowExecutionTimedOutEventAttributes
                {
                    RetryState = RetryState.Timeout,
                };
                break;
            case WorkflowExecutionStatus.Terminated:
                notification = NewEvent(EventType.ChildWorkflowExecutionTerminated);
                attributes = notification.ChildWorkflowExecutionTerminatedEventAttributes = new ChildWorkflowExecutionTerminatedEventAttributes();
                break;
            case WorkflowExecutionStatus.Unspecified:
            case WorkflowExecutionStatus.Running:
            case WorkflowExecutionStatus.ContinuedAsNew:
            default:
                return;
        }

        SetChildIdentity(attributes, child, record.InitiatedEventId, startedEventId);
        AppendForWorkflow(parent, notification);
    }

    /// <summary>
    /// Fills the fields every child-closed attributes message has (namespace, execution, type, initiated and started IDs).
    /// The five generated message classes share those fields by name but no C# interface, so they are set through the
    /// message descriptor.
    /// </summary>
    private static void SetChildIdentity(IMessage attributes, Execution child, long initiatedEventId, long startedEventId)
    {
        var fields = attributes.Descriptor.Fields;
        fields["namespace"].Accessor.SetValue(attributes, child.Namespace);
        fields["workflow_execution"].Accessor.SetValue(attributes, new WorkflowExecution { WorkflowId = child.WorkflowId, RunId = child.RunId });
        fields["workflow_type"].Accessor.SetValue(attributes, new WorkflowType { Name = child.State.WorkflowType });
        fields["initiated_event_id"].Accessor.SetValue(attributes, initiatedEventId);
        fields["started_event_id"].Accessor.SetValue(attributes, startedEventId);
    }

    private static long FindChildStartedEventId(Execution parent, long initiatedEventId) =>
        parent.History.LastOrDefault(e => e.ChildWorkflowExecutionStartedEventAttributes?.InitiatedEventId == initiatedEventId)?.EventId ?? 0;

    /// <summary>Applies each open child's parent-close policy when its parent closes (continue-as-new included).</summary>
    private void ApplyParentClosePolicy(Execution parent)
    {
        foreach (var record in parent.State.Children.Values.ToList())
        {
            if (!_runs.TryGetValue(record.RunId, out var child))
            {
                continue;
            }

            var current = _currentRuns.TryGetValue((child.Namespace, child.WorkflowId), out var latest) ? latest : child;
            if (!current.IsOpen)
            {
                continue;
            }

            switch (record.ParentClosePolicy)
            {
                case ParentClosePolicy.Abandon:
                    break;
                case ParentClosePolicy.RequestCancel:
                    RequestCancelRun(current, "by parent close policy", "history-service", null, 0, null);
                    break;
                case ParentClosePolicy.Unspecified:
                case ParentClosePolicy.Terminate:
                default:
                    TerminateRun(current, "by parent close policy", null, "history-service");
                    break;
            }
        }

        parent.State.Children.Clear();
    }

    private void SignalExternal(CommandContext context, SignalExternalWorkflowExecutionCommandAttributes command)
    {
        var run = context.Run;
        var ns = string.IsNullOrEmpty(command.Namespace) ? run.Namespace : command.Namespace;
        var initiated = NewEvent(EventType.SignalExternalWorkflowExecutionInitiated);
        initiated.SignalExternalWorkflowExecutionInitiatedEventAttributes = new SignalExternalWorkflowExecutionInitiatedEventAttributes
        {
            Namespace = ns, WorkflowExecution = command.Execution, SignalName = command.SignalName, Input = command.Input, Control = command.Control,
            ChildWorkflowOnly = command.ChildWorkflowOnly, Header = command.Header, WorkflowTaskCompletedEventId = context.CompletedEventId,
        };
        Append(run, initiated);
        var initiatedId = initiated.EventId;
        context.FollowUps.Add(() =>
        {
            var target = FindOpenTarget(ns, command.Execution.WorkflowId, command.Execution.RunId);
            if (target is null)
            {
                var failed = NewEvent(EventType.SignalExternalWorkflowExecutionFailed);
                failed.SignalExternalWorkflowExecutionFailedEventAttributes = new SignalExternalWorkflowExecutionFailedEventAttributes
                {
                    Cause = SignalExternalWorkflowExecutionFailedCause.ExternalWorkflowExecutionNotFound, InitiatedEventId = initiatedId, Namespace = ns,
                    WorkflowExecution = command.Execution, Control = command.Control, WorkflowTaskCompletedEventId = context.CompletedEventId,
                };
                AppendForWorkflow(run, failed);
                return;
            }

            SignalRun(target, command.SignalName, command.Input, context.Identity, command.Header, null,
                new WorkflowExecution { WorkflowId = run.WorkflowId, RunId = run.RunId });
            var signaled = NewEvent(EventType.ExternalWorkflowExecutionSignaled);
            signaled.ExternalWorkflowExecutionSignaledEventAttributes = new ExternalWorkflowExecutionSignaledEventAttributes
            {
                InitiatedEventId = initiatedId, Namespace = ns, WorkflowExecution = new WorkflowExecution { WorkflowId = target.WorkflowId, RunId = target.RunId },
                Control = command.Control,
            };
            AppendForWorkflow(run, signaled);
        });
    }

    private void CancelExternal(CommandContext context, RequestCancelExternalWorkflowExecutionCommandAttributes command)
    {
        var run = context.Run;
        var ns = string.IsNullOrEmpty(command.Namespace) ? run.Namespace : command.Namespace;
        var target = new WorkflowExecution { WorkflowId = command.WorkflowId, RunId = command.RunId };
        var initiated = NewEvent(EventType.RequestCancelExternalWorkflowExecutionInitiated);
        initiated.RequestCancelExternalWorkflowExecutionInitiatedEventAttributes = new RequestCancelExternalWorkflowExecutionInitiatedEventAttributes
        {
            Namespace = ns, WorkflowExecution = target, Control = command.Control, ChildWorkflowOnly = command.ChildWorkflowOnly, Reason = command.Reason,
            WorkflowTaskCompletedEventId = context.CompletedEventId,
        };
        Append(run, initiated);
        var initiatedId = initiated.EventId;
        context.FollowUps.Add(() =>
        {
            var found = FindOpenTarget(ns, command.WorkflowId, command.RunId);
            if (found is null)
            {
                var failed = NewEvent(EventType.RequestCancelExternalWorkflowExecutionFailed);
                failed.RequestCancelExternalWorkflowExecutionFailedEventAttributes = new RequestCancelExternalWorkflowExecutionFailedEventAttributes
                {
                    Cause = CancelExternalWorkflowExecutionFailedCause.ExternalWorkflowExecutionNotFound, InitiatedEventId = initiatedId, Namespace = ns,
                    WorkflowExecution = target, Control = command.Control, WorkflowTaskCompletedEventId = context.CompletedEventId,
                };
                AppendForWorkflow(run, failed);
                return;
            }

            RequestCancelRun(found, command.Reason, context.Identity, null, initiatedId, new WorkflowExecution { WorkflowId = run.WorkflowId, RunId = run.RunId });
            var requested = NewEvent(EventType.ExternalWorkflowExecutionCancelRequested);
            requested.ExternalWorkflowExecutionCancelRequestedEventAttributes = new ExternalWorkflowExecutionCancelRequestedEventAttributes
            {
                InitiatedEventId = initiatedId, Namespace = ns, WorkflowExecution = new WorkflowExecution { WorkflowId = found.WorkflowId, RunId = found.RunId },
            };
            AppendForWorkflow(run, requested);
        });
    }

    private Execution? FindOpenTarget(string ns, string workflowId, string? runId)
    {
        if (!string.IsNullOrEmpty(runId))
        {
            return _runs.TryGetValue(runId, out var run) && run.Namespace == ns && run.WorkflowId == workflowId && run.IsOpen ? run : null;
        }

        return _currentRuns.TryGetValue((ns, workflowId), out var current) && current.IsOpen ? current : null;
    }

    private void ContinueAsNew(CommandContext context, ContinueAsNewWorkflowExecutionCommandAttributes command)
    {
        var run = context.Run;
        var started = run.Started;
        var newRunId = Guid.NewGuid().ToString();
        var continued = NewEvent(EventType.WorkflowExecutionContinuedAsNew);
        continued.WorkflowExecutionContinuedAsNewEventAttributes = new WorkflowExecutionContinuedAsNewEventAttributes
        {
            NewExecutionRunId = newRunId,
            WorkflowType = string.IsNullOrEmpty(command.WorkflowType?.Name) ? started.WorkflowType : command.WorkflowType,
            TaskQueue = string.IsNullOrEmpty(command.TaskQueue?.Name) ? started.TaskQueue : command.TaskQueue,
            Input = command.Input,
            WorkflowRunTimeout = command.WorkflowRunTimeout ?? started.WorkflowRunTimeout,
            WorkflowTaskTimeout = command.WorkflowTaskTimeout ?? started.WorkflowTaskTimeout,
            WorkflowTaskCompletedEventId = context.CompletedEventId,
            BackoffStartInterval = command.BackoffStartInterval,
            Initiator = command.Initiator,
            Failure = command.Failure,
            LastCompletionResult = command.LastCompletionResult,
            Header = command.Header,
            Memo = command.Memo ?? started.Memo,
            SearchAttributes = command.SearchAttributes ?? (run.State.SearchAttributes is null ? null : SearchAttributes.Parser.ParseFrom(run.State.SearchAttributes)),
        };
        Append(run, continued);
        run.State.NewRunId = newRunId;
        var attributes = continued.WorkflowExecutionContinuedAsNewEventAttributes;
        var next = new RunStart
        {
            Namespace = run.Namespace,
            WorkflowId = run.WorkflowId,
            WorkflowType = attributes.WorkflowType.Name,
            TaskQueue = attributes.TaskQueue.Name,
            Input = attributes.Input,
            ExecutionTimeout = started.WorkflowExecutionTimeout.OrZero(),
            RunTimeout = attributes.WorkflowRunTimeout.OrZero(),
            TaskTimeout = attributes.WorkflowTaskTimeout.OrZero(),
            RequestId = Guid.NewGuid().ToString(),
            RetryPolicy = command.RetryPolicy ?? started.RetryPolicy,
            Memo = attributes.Memo,
            SearchAttributes = attributes.SearchAttributes,
            Header = attributes.Header,
            StartDelay = attributes.BackoffStartInterval.OrZero(),
            FirstRunId = run.State.FirstRunId,
            ContinuedFromRunId = run.RunId,
            Initiator = attributes.Initiator == ContinueAsNewInitiator.Unspecified ? ContinueAsNewInitiator.Workflow : attributes.Initiator,
            ContinuedFailure = attributes.Failure,
            LastCompletionResult = attributes.LastCompletionResult,
            ExecutionDeadline = run.State.ExecutionDeadline,
            ScheduleId = run.State.ScheduleId,
        };
        ParentOf(run, out var parent);
        CloseRun(run, WorkflowExecutionStatus.ContinuedAsNew);
        StartContinuation(run, newRunId, next, parent);
    }

    private bool ParentOf(Execution run, out Execution? parent)
    {
        parent = run.State.ParentRunId is { } parentRunId && _runs.TryGetValue(parentRunId, out var found) ? found : null;
        return parent is not null;
    }

    /// <summary>Starts the next run of a chain (continue-as-new or retry), inheriting the parent link and pending children.</summary>
    private void StartContinuation(Execution previous, string newRunId, RunStart start, Execution? parent)
    {
        var next = StartRunWithId(newRunId, start, parent, previous.State.ParentInitiatedEventId, previous.State.ParentClosePolicy);
        next.State.ParentRunId = previous.State.ParentRunId;
        next.State.ParentWorkflowId = previous.State.ParentWorkflowId;
        next.State.ParentNamespace = previous.State.ParentNamespace;
    }

    private Execution StartRunWithId(string runId, RunStart start, Execution? parent, long parentInitiatedEventId, ParentClosePolicy policy)
    {
        _pendingRunId = runId;
        try
        {
            return StartRun(new RunStart
            {
                Namespace = start.Namespace, WorkflowId = start.WorkflowId, WorkflowType = start.WorkflowType, TaskQueue = start.TaskQueue,
                Input = start.Input, ExecutionTimeout = start.ExecutionTimeout, RunTimeout = start.RunTimeout, TaskTimeout = start.TaskTimeout,
                RequestId = start.RequestId, Identity = start.Identity, RetryPolicy = start.RetryPolicy, Attempt = start.Attempt, Memo = start.Memo,
                SearchAttributes = start.SearchAttributes, Header = start.Header, StartDelay = start.StartDelay, FirstRunId = start.FirstRunId,
                ContinuedFromRunId = start.ContinuedFromRunId, Initiator = start.Initiator, ContinuedFailure = start.ContinuedFailure,
                LastCompletionResult = start.LastCompletionResult, ExecutionDeadline = start.ExecutionDeadline, Parent = parent,
                ParentInitiatedEventId = parentInitiatedEventId, ParentClosePolicy = policy, ScheduleId = start.ScheduleId, CronSchedule = start.CronSchedule,
            });
        }
        finally
        {
            _pendingRunId = null;
        }
    }

    private string? _pendingRunId;

    private string NewRunId() => _pendingRunId ?? Guid.NewGuid().ToString();

    /// <summary>Workflow-level retry (RetryPolicy on the start request): decides and reserves the next run's ID.</summary>
    private RetryState TryRetryWorkflow(Execution run, Failure? failure, bool isTimeout, out string? newRunId)
    {
        newRunId = null;
        var policy = run.Started.RetryPolicy;
        if (policy is null)
        {
            return isTimeout ? RetryState.Timeout : RetryState.RetryPolicyNotSet;
        }

        var application = failure?.ApplicationFailureInfo;
        if (application is { NonRetryable: true } || (application is not null && policy.NonRetryableErrorTypes.Contains(application.Type)))
        {
            return RetryState.NonRetryableFailure;
        }

        var attempt = run.Started.Attempt;
        if (policy.MaximumAttempts > 0 && attempt >= policy.MaximumAttempts)
        {
            return RetryState.MaximumAttemptsReached;
        }

        var backoff = Backoff(policy, attempt);
        if (run.State.ExecutionDeadline is { } deadline && Now + backoff >= deadline)
        {
            return RetryState.Timeout;
        }

        newRunId = Guid.NewGuid().ToString();
        run.State.NewRunId = newRunId;
        _pendingRetry = (failure, backoff);
        return RetryState.InProgress;
    }

    private (Failure? Failure, TimeSpan Backoff) _pendingRetry;

    private void StartPendingRetry(Execution run, string? newRunId)
    {
        if (newRunId is null)
        {
            return;
        }

        var started = run.Started;
        ParentOf(run, out var parent);
        StartContinuation(run, newRunId, new RunStart
        {
            Namespace = run.Namespace,
            WorkflowId = run.WorkflowId,
            WorkflowType = run.State.WorkflowType,
            TaskQueue = run.State.TaskQueue,
            Input = started.Input,
            ExecutionTimeout = started.WorkflowExecutionTimeout.OrZero(),
            RunTimeout = started.WorkflowRunTimeout.OrZero(),
            TaskTimeout = started.WorkflowTaskTimeout.OrZero(),
            RequestId = Guid.NewGuid().ToString(),
            RetryPolicy = started.RetryPolicy,
            Attempt = started.Attempt + 1,
            Memo = started.Memo,
            SearchAttributes = started.SearchAttributes,
            Header = started.Header,
            StartDelay = _pendingRetry.Backoff,
            FirstRunId = run.State.FirstRunId,
            ContinuedFromRunId = run.RunId,
            Initiator = ContinueAsNewInitiator.Retry,
            ContinuedFailure = _pendingRetry.Failure,
            ExecutionDeadline = run.State.ExecutionDeadline,
            ScheduleId = run.State.ScheduleId,
        }, parent);
    }
}
