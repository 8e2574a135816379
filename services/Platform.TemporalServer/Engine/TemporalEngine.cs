using System.Diagnostics;
using System.Diagnostics.Metrics;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Platform.TemporalServer.Grpc;
using Platform.TemporalServer.Hosting;
using Platform.TemporalServer.Storage;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.History.V1;

namespace Platform.TemporalServer.Engine;

/// <summary>
/// The server's state machine. Every operation runs under one lock and ends with one store transaction, so the in-memory
/// state and the SQLite file never diverge; long polls wait outside the lock. Split by area into partial files.
/// </summary>
internal sealed partial class TemporalEngine : IDisposable
{
    public static readonly ActivitySource Source = new("Platform.TemporalServer");
    private static readonly Meter ServerMeter = new("Platform.TemporalServer");
    private static readonly Counter<long> CommittedTransactions = ServerMeter.CreateCounter<long>("temporal_server.transactions");

    private readonly Lock _gate = new();
    private readonly ExecutionStore _store;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly HashSet<string> _namespaces = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Execution> _runs = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Namespace, string WorkflowId), Execution> _currentRuns = [];
    private readonly TaskQueueSet _workflowQueues = new();
    private readonly TaskQueueSet _activityQueues = new();
    private readonly PriorityQueue<DueItem, DateTime> _due = new();
    private readonly HashSet<Execution> _dirty = [];
    private readonly List<string> _purgedRuns = [];
    private readonly SemaphoreSlim _dueWake = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private Task _dueLoop = Task.CompletedTask;

    public TemporalEngine(TemporalServerOptions options, TimeProvider clock, ILogger logger)
    {
        Options = options;
        _clock = clock;
        _logger = logger;
        _namespaces.Add("default");
        foreach (var ns in options.Namespaces)
        {
            _namespaces.Add(ns);
        }

        _store = new ExecutionStore(options.DatabasePath, options.SynchronousFull);
        try
        {
            Recover();
        }
        catch
        {
            _store.Dispose();
            throw;
        }
    }

    public TemporalServerOptions Options { get; }

    public IReadOnlyCollection<string> Namespaces => _namespaces;

    private DateTime Now => _clock.GetUtcNow().UtcDateTime;

    public void Start() => _dueLoop = Task.Run(RunDueLoopAsync);

    public void Dispose()
    {
        _stopping.Cancel();
        try
        {
            _dueLoop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The loop ends by cancellation.
        }

        lock (_gate)
        {
            _store.Dispose();
        }

        _stopping.Dispose();
        _dueWake.Dispose();
    }

    /// <summary>Runs a state change under the lock and commits everything it touched, also when it throws.</summary>
    private T Mutate<T>(Func<T> operation)
    {
        lock (_gate)
        {
            try
            {
                return operation();
            }
            finally
            {
                Commit();
            }
        }
    }

    private void Mutate(Action operation) => Mutate(() =>
    {
        operation();
        return true;
    });

    private void Commit()
    {
        if (_dirty.Count == 0 && _dirtySchedules.Count == 0 && _deletedSchedules.Count == 0 && _purgedRuns.Count == 0)
        {
            return;
        }

        _store.Save(_dirty, _dirtySchedules, _deletedSchedules, _purgedRuns);
        _purgedRuns.Clear();
        CommittedTransactions.Add(1);
        foreach (var execution in _dirty)
        {
            var changed = execution.Changed;
            execution.Changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            changed.TrySetResult();
        }

        _dirty.Clear();
        _dirtySchedules.Clear();
        _deletedSchedules.Clear();
    }

    private void MarkDirty(Execution execution) => _dirty.Add(execution);

    /// <summary>Waits for a run to change, at most <paramref name="timeout"/> (callers re-check their condition).</summary>
    private static async Task WaitForChangeAsync(Task changed, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (timeout <= TimeSpan.Zero)
        {
            return;
        }

        try
        {
            await changed.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            // The caller answers with what it has.
        }
    }

    private void RequireNamespace(string ns)
    {
        if (string.IsNullOrEmpty(ns))
        {
            throw RpcErrors.InvalidArgument("Namespace is not set on request.");
        }

        if (!_namespaces.Contains(ns))
        {
            throw RpcErrors.NamespaceNotFound(ns);
        }
    }

    /// <summary>The named run, or the current (latest) run of the workflow ID when no run ID is given.</summary>
    private Execution GetRun(string ns, string? workflowId, string? runId)
    {
        RequireNamespace(ns);
        if (string.IsNullOrEmpty(workflowId))
        {
            throw RpcErrors.InvalidArgument("WorkflowId is not set on request.");
        }

        if (!string.IsNullOrEmpty(runId))
        {
            if (!Guid.TryParse(runId, out _))
            {
                throw RpcErrors.InvalidArgument("Invalid RunId.");
            }

            if (_runs.TryGetValue(runId, out var run) && run.Namespace == ns && run.WorkflowId == workflowId)
            {
                return run;
            }

            throw RpcErrors.WorkflowNotFound(workflowId, runId);
        }

        return _currentRuns.TryGetValue((ns, workflowId), out var current)
            ? current
            : throw RpcErrors.WorkflowNotFound(workflowId, runId);
    }

    private Execution GetOpenRun(string ns, string? workflowId, string? runId)
    {
        var run = GetRun(ns, workflowId, runId);
        return run.IsOpen ? run : throw RpcErrors.WorkflowAlreadyCompleted();
    }

    /// <summary>Parses a worker's task token and finds its open run; <paramref name="notFound"/> names the task kind in errors.</summary>
    private (Execution Run, TaskToken Token) GetOpenRunForTaskToken(ByteString taskToken, TaskKind kind, string notFound)
    {
        var token = TaskToken.Parse(taskToken);
        if (token.Kind != kind)
        {
            var expected = kind switch { TaskKind.Activity => "an activity", TaskKind.Workflow => "a workflow", _ => "a query" };
            throw RpcErrors.InvalidArgument($"Task token is not {expected} task token.");
        }

        if (!_runs.TryGetValue(token.Id, out var run))
        {
            throw RpcErrors.NotFound(notFound);
        }

        return run.IsOpen ? (run, token) : throw RpcErrors.WorkflowAlreadyCompleted();
    }

    private HistoryEvent NewEvent(EventType type) => new() { EventType = type, EventTime = Timestamp.FromDateTime(Now) };

    private HistoryEvent Append(Execution execution, HistoryEvent historyEvent)
    {
        historyEvent.EventId = execution.NextEventId;
        historyEvent.TaskId = historyEvent.EventId;
        execution.History.Add(historyEvent);
        MarkDirty(execution);
        return historyEvent;
    }

    /// <summary>
    /// Adds events the workflow must react to: buffered while a workflow task runs (Temporal writes them after the
    /// task's completion), otherwise written now followed by a new workflow task. A close event whose started-event
    /// reference is -1 points at the event written just before it.
    /// </summary>
    private void AppendForWorkflow(Execution execution, params HistoryEvent[] historyEvents)
    {
        if (!execution.IsOpen)
        {
            return;
        }

        MarkDirty(execution);
        if (execution.State.WorkflowTask == WorkflowTaskState.Started)
        {
            execution.State.BufferedEvents.AddRange(historyEvents.Select(e => e.ToByteArray()));
            return;
        }

        foreach (var historyEvent in historyEvents)
        {
            ResolvePrecedingStartedReference(historyEvent, execution.NextEventId - 1);
            Append(execution, historyEvent);
        }

        ScheduleWorkflowTask(execution);
    }

    /// <summary>Writes buffered events; close events that reference "the started event just before" get its ID.</summary>
    private bool FlushBufferedEvents(Execution execution)
    {
        if (execution.State.BufferedEvents.Count == 0)
        {
            return false;
        }

        var buffered = execution.State.BufferedEvents;
        execution.State.BufferedEvents = [];
        MarkDirty(execution);
        if (!execution.IsOpen)
        {
            return false;
        }

        foreach (var bytes in buffered)
        {
            var historyEvent = HistoryEvent.Parser.ParseFrom(bytes);
            ResolvePrecedingStartedReference(historyEvent, execution.NextEventId - 1);
            Append(execution, historyEvent);
        }

        return true;
    }

    private void ScheduleWorkflowTask(Execution execution, TimeSpan? delay = null)
    {
        if (!execution.IsOpen || execution.State.WorkflowTask != WorkflowTaskState.None)
        {
            return;
        }

        if (delay is { } backoff && backoff > TimeSpan.Zero)
        {
            Arm(Now + backoff, new DueItem(DueKind.WorkflowStartBackoff, execution.RunId));
            return;
        }

        var attempt = Math.Max(1, execution.State.WorkflowTaskAttempt);
        var scheduled = NewEvent(EventType.WorkflowTaskScheduled);
        scheduled.WorkflowTaskScheduledEventAttributes = new WorkflowTaskScheduledEventAttributes
        {
            TaskQueue = new Temporalio.Api.TaskQueue.V1.TaskQueue { Name = execution.State.TaskQueue, Kind = TaskQueueKind.Normal },
            StartToCloseTimeout = WorkflowTaskTimeout(execution).ToDuration(),
            Attempt = attempt,
        };
        Append(execution, scheduled);
        execution.State.WorkflowTask = WorkflowTaskState.Scheduled;
        execution.State.WorkflowTaskScheduledEventId = scheduled.EventId;
        execution.State.WorkflowTaskStartedEventId = 0;
        execution.State.WorkflowTaskScheduledTime = Now;
        execution.State.WorkflowTaskStartedTime = null;
        var task = new TaskRef(TaskKind.Workflow, execution.RunId, scheduled.EventId);
        if (Options.StickyQueues && execution.StickyQueue is { } sticky && attempt == 1)
        {
            // The worker that ran the last task has the run cached: offer it there first, with only the new events.
            _workflowQueues.Enqueue(execution.Namespace, sticky, task);
            Arm(Now + execution.StickyScheduleToStart, new DueItem(DueKind.StickyTimeout, execution.RunId, scheduled.EventId));
            return;
        }

        execution.StickyQueue = null;
        _workflowQueues.Enqueue(execution.Namespace, execution.State.TaskQueue, task);
    }

    /// <summary>The sticky worker did not pick the task up in time: move it to the normal queue.</summary>
    private void OnStickyTimeoutDue(Execution execution, DueItem item)
    {
        if (execution.State.WorkflowTask != WorkflowTaskState.Scheduled || execution.State.WorkflowTaskScheduledEventId != item.Key || execution.StickyQueue is null)
        {
            return;
        }

        execution.StickyQueue = null;
        _workflowQueues.Enqueue(execution.Namespace, execution.State.TaskQueue, new TaskRef(TaskKind.Workflow, execution.RunId, item.Key));
    }

    private static TimeSpan WorkflowTaskTimeout(Execution execution)
    {
        var timeout = execution.Started.WorkflowTaskTimeout?.ToTimeSpan() ?? TimeSpan.Zero;
        return timeout > TimeSpan.Zero ? timeout : TimeSpan.FromSeconds(10);
    }

    private void Arm(DateTime due, DueItem item)
    {
        var wake = !_due.TryPeek(out _, out var head) || due < head;
        _due.Enqueue(item, due);
        if (wake)
        {
            _dueWake.Release();
        }
    }

    private async Task RunDueLoopAsync()
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                wait = Mutate(ProcessDueItems);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                ServerLog.TimerProcessingFailed(_logger, ex);
                wait = TimeSpan.FromSeconds(1);
            }

            try
            {
                await _dueWake.WaitAsync(wait, token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
        }
    }

    /// <summary>Handles every item that is due and returns how long to sleep until the next one.</summary>
    private TimeSpan ProcessDueItems()
    {
        var now = Now;
        while (_due.TryPeek(out var item, out var due) && due <= now)
        {
            _due.Dequeue();
            try
            {
                HandleDueItem(item, now);
            }
            catch (Exception ex) when (ex is global::Grpc.Core.RpcException or InvalidOperationException or KeyNotFoundException)
            {
                ServerLog.DueItemFailed(_logger, item.Kind, item.Id, ex);
            }
        }

        if (!_due.TryPeek(out _, out var next))
        {
            return TimeSpan.FromMinutes(1);
        }

        var wait = next - now;
        return wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : wait > TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : wait;
    }

    private void HandleDueItem(DueItem item, DateTime now)
    {
        if (item.Kind == DueKind.RetentionSweep)
        {
            PurgeExpiredRuns(now);
            Arm(now + RetentionSweepInterval, new DueItem(DueKind.RetentionSweep, string.Empty));
            return;
        }

        if (item.Kind == DueKind.ScheduleFire)
        {
            FireSchedule(item, now);
            return;
        }

        if (!_runs.TryGetValue(item.Id, out var execution) || !execution.IsOpen)
        {
            return;
        }

        switch (item.Kind)
        {
            case DueKind.UserTimer:
                FireTimer(execution, item.Text);
                break;
            case DueKind.ActivityTimeout:
                OnActivityTimeoutDue(execution, item, now);
                break;
            case DueKind.ActivityRetry:
                OnActivityRetryDue(execution, item);
                break;
            case DueKind.WorkflowTaskTimeout:
                OnWorkflowTaskTimeoutDue(execution, item);
                break;
            case DueKind.WorkflowRunTimeout:
                OnWorkflowRunTimeoutDue(execution, now);
                break;
            case DueKind.WorkflowStartBackoff:
                if (execution.History.Count == 1 || execution.State.WorkflowTask == WorkflowTaskState.None)
                {
                    ScheduleWorkflowTask(execution);
                }

                break;
            case DueKind.StickyTimeout:
                OnStickyTimeoutDue(execution, item);
                break;
            case DueKind.ScheduleFire:
            case DueKind.RetentionSweep:
            default:
                break;
        }
    }

    /// <summary>Rebuilds in-memory indexes, task queues and timers from the store after a (re)start.</summary>
    private void Recover()
    {
        foreach (var stored in _store.LoadExecutions())
        {
            var execution = new Execution(stored.Namespace, stored.WorkflowId, stored.RunId) { State = stored.State };
            foreach (var bytes in stored.Events)
            {
                execution.History.Add(HistoryEvent.Parser.ParseFrom(bytes));
            }

            execution.PersistedEvents = execution.History.Count;
            if (execution.History.Count == 0)
            {
                continue;
            }

            _runs[execution.RunId] = execution;
            var key = (execution.Namespace, execution.WorkflowId);
            if (!_currentRuns.TryGetValue(key, out var current) || current.State.StartTime <= execution.State.StartTime)
            {
                _currentRuns[key] = execution;
            }

            _namespaces.Add(execution.Namespace);
        }

        foreach (var execution in _runs.Values.Where(e => e.IsOpen))
        {
            RearmExecution(execution);
        }

        foreach (var schedule in _store.LoadSchedules())
        {
            _schedules[(schedule.Namespace, schedule.ScheduleId)] = schedule;
            ArmNextScheduleFire(schedule);
        }

        ServerLog.Recovered(_logger, _runs.Count, _schedules.Count);
        Arm(Now, new DueItem(DueKind.RetentionSweep, string.Empty));
    }

    private static readonly TimeSpan RetentionSweepInterval = TimeSpan.FromMinutes(10);

    /// <summary>Drops closed runs older than the retention period from memory and the store (as Temporal's retention does).</summary>
    private void PurgeExpiredRuns(DateTime now)
    {
        var cutoff = now - Options.Retention;
        foreach (var run in _runs.Values.Where(r => !r.IsOpen && r.State.CloseTime is { } closed && closed < cutoff).ToList())
        {
            _runs.Remove(run.RunId);
            var key = (run.Namespace, run.WorkflowId);
            if (_currentRuns.TryGetValue(key, out var current) && current == run)
            {
                _currentRuns.Remove(key);
            }

            _dirty.Remove(run);
            _purgedRuns.Add(run.RunId);
        }
    }

    private void RearmExecution(Execution execution)
    {
        var state = execution.State;
        switch (state.WorkflowTask)
        {
            case WorkflowTaskState.Scheduled:
                _workflowQueues.Enqueue(execution.Namespace, state.TaskQueue, new TaskRef(TaskKind.Workflow, execution.RunId, state.WorkflowTaskScheduledEventId));
                break;
            case WorkflowTaskState.Started:
                Arm((state.WorkflowTaskStartedTime ?? Now) + WorkflowTaskTimeout(execution),
                    new DueItem(DueKind.WorkflowTaskTimeout, execution.RunId, state.WorkflowTaskScheduledEventId));
                break;
            case WorkflowTaskState.None:
            default:
                // A run still waiting for its first (delayed) workflow task.
                if (execution.History.Count == 1)
                {
                    var backoff = execution.Started.FirstWorkflowTaskBackoff?.ToTimeSpan() ?? TimeSpan.Zero;
                    Arm(state.StartTime + backoff, new DueItem(DueKind.WorkflowStartBackoff, execution.RunId));
                }

                break;
        }

        foreach (var timer in state.Timers.Values)
        {
            Arm(timer.FireTime, new DueItem(DueKind.UserTimer, execution.RunId, timer.StartedEventId, Text: timer.TimerId));
        }

        foreach (var activity in state.Activities.Values)
        {
            ArmActivity(execution, activity, dispatch: true);
        }

        if (state.RunDeadline is { } deadline)
        {
            Arm(deadline, new DueItem(DueKind.WorkflowRunTimeout, execution.RunId));
        }
    }

    private static void ResolvePrecedingStartedReference(HistoryEvent historyEvent, long precedingEventId)
    {
        switch (historyEvent.AttributesCase)
        {
            case HistoryEvent.AttributesOneofCase.ActivityTaskCompletedEventAttributes when historyEvent.ActivityTaskCompletedEventAttributes.StartedEventId < 0:
                historyEvent.ActivityTaskCompletedEventAttributes.StartedEventId = precedingEventId;
                break;
            case HistoryEvent.AttributesOneofCase.ActivityTaskFailedEventAttributes when historyEvent.ActivityTaskFailedEventAttributes.StartedEventId < 0:
                historyEvent.ActivityTaskFailedEventAttributes.StartedEventId = precedingEventId;
                break;
            case HistoryEvent.AttributesOneofCase.ActivityTaskTimedOutEventAttributes when historyEvent.ActivityTaskTimedOutEventAttributes.StartedEventId < 0:
                historyEvent.ActivityTaskTimedOutEventAttributes.StartedEventId = precedingEventId;
                break;
            case HistoryEvent.AttributesOneofCase.ActivityTaskCanceledEventAttributes when historyEvent.ActivityTaskCanceledEventAttributes.StartedEventId < 0:
                historyEvent.ActivityTaskCanceledEventAttributes.StartedEventId = precedingEventId;
                break;
            default:
                break;
        }
    }
}

/// <summary>Small conversions between protobuf well-known types and .NET values.</summary>
internal static class ProtoTime
{
    public static Duration ToDuration(this TimeSpan value) => Duration.FromTimeSpan(value);

    public static TimeSpan OrZero(this Duration? value) => value?.ToTimeSpan() ?? TimeSpan.Zero;

    public static Timestamp ToTimestamp(this DateTime value) => Timestamp.FromDateTime(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
