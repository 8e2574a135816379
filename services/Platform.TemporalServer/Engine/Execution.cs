using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;

namespace Platform.TemporalServer.Engine;

/// <summary>Where a run's single outstanding workflow task is.</summary>
internal enum WorkflowTaskState
{
    None = 0,
    Scheduled = 1,
    Started = 2,
}

/// <summary>One workflow run: its history (the source of truth for workers) and the state the server needs around it.</summary>
internal sealed class Execution
{
    public Execution(string ns, string workflowId, string runId)
    {
        Namespace = ns;
        WorkflowId = workflowId;
        RunId = runId;
    }

    public string Namespace { get; }

    public string WorkflowId { get; }

    public string RunId { get; }

    public List<HistoryEvent> History { get; } = [];

    /// <summary>How many history events are already in the store.</summary>
    public int PersistedEvents { get; set; }

    public ExecutionRecord State { get; set; } = new();

    /// <summary>Updates admitted but not yet accepted or rejected by the workflow (not durable, as in Temporal).</summary>
    public List<PendingUpdate> AdmittedUpdates { get; } = [];

    /// <summary>Completed whenever anything observable about the run changes; long polls wait on it.</summary>
    public TaskCompletionSource Changed { get; set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The worker's sticky queue (in memory only: after a restart tasks go to the normal queue with full history).</summary>
    public string? StickyQueue { get; set; }

    public TimeSpan StickyScheduleToStart { get; set; }

    public WorkflowExecutionStartedEventAttributes Started => History[0].WorkflowExecutionStartedEventAttributes;

    public bool IsOpen => State.Status == WorkflowExecutionStatus.Running;

    public long NextEventId => History.Count + 1;
}

/// <summary>The mutable, persisted part of a run (serialized as JSON next to the history).</summary>
internal sealed class ExecutionRecord
{
    public WorkflowExecutionStatus Status { get; set; } = WorkflowExecutionStatus.Running;

    public string WorkflowType { get; set; } = string.Empty;

    public string TaskQueue { get; set; } = string.Empty;

    public string FirstRunId { get; set; } = string.Empty;

    public DateTime StartTime { get; set; }

    public DateTime ExecutionTime { get; set; }

    public DateTime? CloseTime { get; set; }

    public DateTime? RunDeadline { get; set; }

    public DateTime? ExecutionDeadline { get; set; }

    public string StartRequestId { get; set; } = string.Empty;

    public List<string> SeenRequestIds { get; set; } = [];

    public WorkflowTaskState WorkflowTask { get; set; }

    public long WorkflowTaskScheduledEventId { get; set; }

    public long WorkflowTaskStartedEventId { get; set; }

    public int WorkflowTaskAttempt { get; set; }

    public DateTime? WorkflowTaskScheduledTime { get; set; }

    public DateTime? WorkflowTaskStartedTime { get; set; }

    public long LastCompletedWorkflowTaskStartedEventId { get; set; }

    /// <summary>Events that arrived while a workflow task was running; written after it completes.</summary>
    public List<byte[]> BufferedEvents { get; set; } = [];

    public Dictionary<long, ActivityRecord> Activities { get; set; } = [];

    public Dictionary<string, TimerRecord> Timers { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<long, ChildRecord> Children { get; set; } = [];

    public byte[]? SearchAttributes { get; set; }

    public byte[]? Memo { get; set; }

    public bool CancelRequested { get; set; }

    public string? NewRunId { get; set; }

    public string? ParentNamespace { get; set; }

    public string? ParentWorkflowId { get; set; }

    public string? ParentRunId { get; set; }

    public long ParentInitiatedEventId { get; set; }

    public ParentClosePolicy ParentClosePolicy { get; set; }

    /// <summary>Schedule that started this run, if any (for overlap policies).</summary>
    public string? ScheduleId { get; set; }
}

internal enum ActivityState
{
    Scheduled = 0,
    Started = 1,
}

internal sealed class ActivityRecord
{
    public long ScheduledEventId { get; set; }

    public string ActivityId { get; set; } = string.Empty;

    public ActivityState State { get; set; }

    public int Attempt { get; set; } = 1;

    public DateTime ScheduledTime { get; set; }

    public DateTime AttemptScheduledTime { get; set; }

    public DateTime? StartedTime { get; set; }

    public DateTime? LastHeartbeatTime { get; set; }

    public DateTime? RetryAt { get; set; }

    public byte[]? HeartbeatDetails { get; set; }

    public byte[]? LastFailure { get; set; }

    public string? Identity { get; set; }

    public bool CancelRequested { get; set; }

    public long CancelRequestedEventId { get; set; }
}

internal sealed class TimerRecord
{
    public string TimerId { get; set; } = string.Empty;

    public long StartedEventId { get; set; }

    public DateTime FireTime { get; set; }
}

internal sealed class ChildRecord
{
    public long InitiatedEventId { get; set; }

    public long StartedEventId { get; set; }

    public string Namespace { get; set; } = string.Empty;

    public string WorkflowId { get; set; } = string.Empty;

    public string RunId { get; set; } = string.Empty;

    public string WorkflowType { get; set; } = string.Empty;

    public ParentClosePolicy ParentClosePolicy { get; set; }
}

/// <summary>An update request waiting for the workflow to accept or reject it.</summary>
internal sealed class PendingUpdate
{
    public PendingUpdate(Temporalio.Api.Update.V1.Request request) => Request = request;

    public Temporalio.Api.Update.V1.Request Request { get; }

    public string UpdateId => Request.Meta.UpdateId;

    /// <summary>Set when the update went out with a workflow task that is still running.</summary>
    public long DeliveredInTaskScheduledEventId { get; set; }

    /// <summary>Set when the workflow rejected the update; rejections leave no history.</summary>
    public Temporalio.Api.Update.V1.Outcome? Rejection { get; set; }
}
