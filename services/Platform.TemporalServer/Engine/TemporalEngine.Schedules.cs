using System.Buffers.Binary;
using System.Globalization;
using Google.Protobuf;
using Platform.TemporalServer.Grpc;
using Platform.TemporalServer.Schedules;
using Platform.TemporalServer.Storage;
using Platform.TemporalServer.Visibility;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Schedule.V1;
using Temporalio.Api.WorkflowService.V1;

namespace Platform.TemporalServer.Engine;

/// <summary>Schedules: stored specs that the server turns into workflow starts on time (also after a restart).</summary>
internal sealed partial class TemporalEngine
{
    private static readonly TimeSpan DefaultCatchupWindow = TimeSpan.FromDays(365);
    private readonly Dictionary<(string Namespace, string ScheduleId), ScheduleRecord> _schedules = [];
    private readonly HashSet<ScheduleRecord> _dirtySchedules = [];
    private readonly List<(string Namespace, string ScheduleId)> _deletedSchedules = [];

    public CreateScheduleResponse CreateSchedule(CreateScheduleRequest request) => Mutate(() =>
    {
        RequireNamespace(request.Namespace);
        if (string.IsNullOrEmpty(request.ScheduleId))
        {
            throw RpcErrors.InvalidArgument("ScheduleId is not set on request.");
        }

        ValidateSchedule(request.Schedule);
        if (_schedules.ContainsKey((request.Namespace, request.ScheduleId)))
        {
            throw RpcErrors.AlreadyStarted(string.Empty, string.Empty, string.Empty);
        }

        var record = new ScheduleRecord
        {
            Namespace = request.Namespace,
            ScheduleId = request.ScheduleId,
            Schedule = NormalizeSchedule(request.Schedule).ToByteArray(),
            Memo = request.Memo?.ToByteArray(),
            SearchAttributes = request.SearchAttributes?.ToByteArray(),
            CreateTime = Now,
            LastProcessedTime = Now,
            ConflictToken = 1,
        };
        _schedules[(record.Namespace, record.ScheduleId)] = record;
        _dirtySchedules.Add(record);
        if (request.InitialPatch is { } patch)
        {
            ApplyPatch(record, patch);
        }

        ArmNextScheduleFire(record);
        return new CreateScheduleResponse { ConflictToken = ConflictTokenBytes(record.ConflictToken) };
    });

    public DescribeScheduleResponse DescribeSchedule(DescribeScheduleRequest request)
    {
        lock (_gate)
        {
            var record = GetSchedule(request.Namespace, request.ScheduleId);
            var schedule = Schedule.Parser.ParseFrom(record.Schedule);
            var info = new ScheduleInfo
            {
                ActionCount = record.ActionCount,
                MissedCatchupWindow = record.MissedCatchupWindow,
                OverlapSkipped = record.OverlapSkipped,
                BufferSize = record.BufferedStarts.Count,
                CreateTime = record.CreateTime.ToTimestamp(),
            };
            if (record.UpdateTime is { } updated)
            {
                info.UpdateTime = updated.ToTimestamp();
            }

            info.RecentActions.AddRange(RecentActions(record));
            info.FutureActionTimes.AddRange(FutureTimes(record, schedule, 10).Select(t => t.ToTimestamp()));
            info.RunningWorkflows.AddRange(RunningScheduledRuns(record).Select(r => new WorkflowExecution { WorkflowId = r.WorkflowId, RunId = r.RunId }));
            return new DescribeScheduleResponse
            {
                Schedule = schedule,
                Info = info,
                Memo = record.Memo is null ? new Memo() : Memo.Parser.ParseFrom(record.Memo),
                SearchAttributes = record.SearchAttributes is null ? new SearchAttributes() : SearchAttributes.Parser.ParseFrom(record.SearchAttributes),
                ConflictToken = ConflictTokenBytes(record.ConflictToken),
            };
        }
    }

    public void UpdateSchedule(UpdateScheduleRequest request) => Mutate(() =>
    {
        var record = GetSchedule(request.Namespace, request.ScheduleId);
        ValidateSchedule(request.Schedule);
        if (request.ConflictToken.Length == 8 && BinaryPrimitives.ReadInt64BigEndian(request.ConflictToken.Span) != record.ConflictToken)
        {
            throw RpcErrors.FailedPrecondition("mismatched conflict token");
        }

        record.Schedule = NormalizeSchedule(request.Schedule).ToByteArray();
        if (request.SearchAttributes is not null)
        {
            record.SearchAttributes = request.SearchAttributes.ToByteArray();
        }

        if (request.Memo is not null)
        {
            record.Memo = request.Memo.ToByteArray();
        }

        record.ConflictToken++;
        record.UpdateTime = Now;
        record.LastProcessedTime = Now;
        _dirtySchedules.Add(record);
        ArmNextScheduleFire(record);
    });

    public void PatchSchedule(PatchScheduleRequest request) => Mutate(() =>
    {
        var record = GetSchedule(request.Namespace, request.ScheduleId);
        if (request.Patch is null)
        {
            throw RpcErrors.InvalidArgument("Patch is not set on request.");
        }

        ApplyPatch(record, request.Patch);
        ArmNextScheduleFire(record);
    });

    public void DeleteSchedule(DeleteScheduleRequest request) => Mutate(() =>
    {
        var record = GetSchedule(request.Namespace, request.ScheduleId);
        _schedules.Remove((record.Namespace, record.ScheduleId));
        _dirtySchedules.Remove(record);
        _deletedSchedules.Add((record.Namespace, record.ScheduleId));
    });

    public ListSchedulesResponse ListSchedules(ListSchedulesRequest request)
    {
        VisibilityQuery query;
        try
        {
            query = VisibilityQuery.Parse(request.Query);
        }
        catch (VisibilityQueryException ex)
        {
            throw RpcErrors.InvalidArgument($"invalid query: {ex.Message}");
        }

        lock (_gate)
        {
            RequireNamespace(request.Namespace);
            var offset = 0;
            if (request.NextPageToken.Length > 0 && !int.TryParse(request.NextPageToken.ToStringUtf8(), NumberStyles.None, CultureInfo.InvariantCulture, out offset))
            {
                throw RpcErrors.InvalidArgument("Invalid NextPageToken.");
            }

            var all = _schedules.Values.Where(s => s.Namespace == request.Namespace).OrderBy(s => s.ScheduleId, StringComparer.Ordinal)
                .Where(s => query.Matches(field => ScheduleField(s, field))).ToList();
            var pageSize = request.MaximumPageSize > 0 ? request.MaximumPageSize : 1000;
            var response = new ListSchedulesResponse();
            foreach (var record in all.Skip(offset).Take(pageSize))
            {
                var schedule = Schedule.Parser.ParseFrom(record.Schedule);
                var info = new ScheduleListInfo
                {
                    Spec = schedule.Spec, WorkflowType = schedule.Action?.StartWorkflow?.WorkflowType, Notes = schedule.State?.Notes ?? string.Empty,
                    Paused = schedule.State?.Paused ?? false,
                };
                info.RecentActions.AddRange(RecentActions(record));
                info.FutureActionTimes.AddRange(FutureTimes(record, schedule, 5).Select(t => t.ToTimestamp()));
                response.Schedules.Add(new ScheduleListEntry
                {
                    ScheduleId = record.ScheduleId,
                    Memo = record.Memo is null ? new Memo() : Memo.Parser.ParseFrom(record.Memo),
                    SearchAttributes = record.SearchAttributes is null ? new SearchAttributes() : SearchAttributes.Parser.ParseFrom(record.SearchAttributes),
                    Info = info,
                });
            }

            if (offset + pageSize < all.Count)
            {
                response.NextPageToken = ByteString.CopyFromUtf8((offset + pageSize).ToString(CultureInfo.InvariantCulture));
            }

            return response;
        }
    }

    private static object? ScheduleField(ScheduleRecord record, string field)
    {
        if (field == "ScheduleId")
        {
            return record.ScheduleId;
        }

        if (field == "TemporalSchedulePaused")
        {
            return Schedule.Parser.ParseFrom(record.Schedule).State?.Paused ?? false;
        }

        if (record.SearchAttributes is null)
        {
            return null;
        }

        return SearchAttributes.Parser.ParseFrom(record.SearchAttributes).IndexedFields.TryGetValue(field, out var payload) ? DecodeSearchAttribute(payload) : null;
    }

    private ScheduleRecord GetSchedule(string ns, string scheduleId)
    {
        RequireNamespace(ns);
        if (string.IsNullOrEmpty(scheduleId))
        {
            throw RpcErrors.InvalidArgument("ScheduleId is not set on request.");
        }

        return _schedules.TryGetValue((ns, scheduleId), out var record) ? record : throw RpcErrors.NotFound($"schedule {scheduleId} not found");
    }

    private static void ValidateSchedule(Schedule? schedule)
    {
        if (schedule is null)
        {
            throw RpcErrors.InvalidArgument("Schedule is not set on request.");
        }

        var start = schedule.Action?.StartWorkflow;
        if (start is null)
        {
            throw RpcErrors.InvalidArgument("Schedule action must start a workflow.");
        }

        if (string.IsNullOrEmpty(start.WorkflowId) || string.IsNullOrEmpty(start.WorkflowType?.Name) || string.IsNullOrEmpty(start.TaskQueue?.Name))
        {
            throw RpcErrors.InvalidArgument("Scheduled workflow needs a workflow ID, type and task queue.");
        }

        try
        {
            _ = new ScheduleTimes(schedule.Spec ?? new ScheduleSpec());
        }
        catch (ScheduleSpecException ex)
        {
            throw RpcErrors.InvalidArgument($"Invalid schedule spec: {ex.Message}");
        }
    }

    private static Schedule NormalizeSchedule(Schedule schedule)
    {
        var normalized = schedule.Clone();
        normalized.State ??= new ScheduleState();
        normalized.Policies ??= new SchedulePolicies();
        if (normalized.Policies.OverlapPolicy == ScheduleOverlapPolicy.Unspecified)
        {
            normalized.Policies.OverlapPolicy = ScheduleOverlapPolicy.Skip;
        }

        return normalized;
    }

    private static ByteString ConflictTokenBytes(long token)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(bytes, token);
        return ByteString.CopyFrom(bytes);
    }

    private IEnumerable<ScheduleActionResult> RecentActions(ScheduleRecord record) => record.RecentActions.Select(action => new ScheduleActionResult
    {
        ScheduleTime = action.ScheduleTime.ToTimestamp(),
        ActualTime = action.ActualTime.ToTimestamp(),
        StartWorkflowResult = new WorkflowExecution { WorkflowId = action.WorkflowId, RunId = action.RunId },
        StartWorkflowStatus = _runs.TryGetValue(action.RunId, out var run) ? run.State.Status : WorkflowExecutionStatus.Unspecified,
    });

    private static List<DateTime> FutureTimes(ScheduleRecord record, Schedule schedule, int count)
    {
        var times = new List<DateTime>();
        if (schedule.State is { Paused: true } || (schedule.State is { LimitedActions: true, RemainingActions: <= 0 }))
        {
            return times;
        }

        var spec = new ScheduleTimes(schedule.Spec);
        var cursor = record.LastProcessedTime;
        while (times.Count < count && spec.NextAfter(cursor) is { } next)
        {
            times.Add(next);
            cursor = next;
        }

        return times;
    }

    private List<Execution> RunningScheduledRuns(ScheduleRecord record) =>
        _runs.Values.Where(r => r.IsOpen && r.Namespace == record.Namespace && r.State.ScheduleId == record.ScheduleId).ToList();

    private void ApplyPatch(ScheduleRecord record, SchedulePatch patch)
    {
        var schedule = Schedule.Parser.ParseFrom(record.Schedule);
        if (!string.IsNullOrEmpty(patch.Pause))
        {
            schedule.State.Paused = true;
            schedule.State.Notes = patch.Pause;
        }

        if (!string.IsNullOrEmpty(patch.Unpause))
        {
            schedule.State.Paused = false;
            schedule.State.Notes = patch.Unpause;
            record.LastProcessedTime = Now;
        }

        record.Schedule = schedule.ToByteArray();
        _dirtySchedules.Add(record);
        if (patch.TriggerImmediately is { } trigger)
        {
            TakeScheduledAction(record, schedule, Now, trigger.OverlapPolicy == ScheduleOverlapPolicy.Unspecified ? schedule.Policies.OverlapPolicy : trigger.OverlapPolicy, manual: true);
        }

        foreach (var backfill in patch.BackfillRequest)
        {
            var spec = new ScheduleTimes(schedule.Spec);
            var cursor = backfill.StartTime.ToDateTime().AddTicks(-1);
            var end = backfill.EndTime.ToDateTime();
            var policy = backfill.OverlapPolicy == ScheduleOverlapPolicy.Unspecified ? schedule.Policies.OverlapPolicy : backfill.OverlapPolicy;
            for (var guard = 0; guard < 1000 && spec.NextAfter(cursor) is { } nominal && nominal <= end; guard++)
            {
                TakeScheduledAction(record, schedule, nominal, policy, manual: true);
                cursor = nominal;
            }
        }
    }

    private void ArmNextScheduleFire(ScheduleRecord record)
    {
        var schedule = Schedule.Parser.ParseFrom(record.Schedule);
        if (schedule.State is { Paused: true } || schedule.State is { LimitedActions: true, RemainingActions: <= 0 })
        {
            return;
        }

        if (new ScheduleTimes(schedule.Spec).NextAfter(record.LastProcessedTime) is { } next)
        {
            var jitter = schedule.Spec.Jitter.OrZero();
            var delay = jitter > TimeSpan.Zero ? TimeSpan.FromTicks((long)(Random.Shared.NextDouble() * jitter.Ticks)) : TimeSpan.Zero;
            Arm(next + delay, new DueItem(DueKind.ScheduleFire, record.Namespace, record.ConflictToken, Text: record.ScheduleId));
        }
    }

    private void FireSchedule(DueItem item, DateTime now)
    {
        if (!_schedules.TryGetValue((item.Id, item.Text), out var record))
        {
            return;
        }

        var schedule = Schedule.Parser.ParseFrom(record.Schedule);
        var spec = new ScheduleTimes(schedule.Spec);
        if (schedule.State.Paused || spec.NextAfter(record.LastProcessedTime) is not { } nominal || nominal > now)
        {
            return;
        }

        var catchup = schedule.Policies.CatchupWindow.OrZero();
        catchup = catchup > TimeSpan.Zero ? catchup : DefaultCatchupWindow;
        while (nominal <= now)
        {
            if (schedule.State is { LimitedActions: true, RemainingActions: <= 0 })
            {
                break;
            }

            if (now - nominal > catchup)
            {
                record.MissedCatchupWindow++;
            }
            else
            {
                TakeScheduledAction(record, schedule, nominal, schedule.Policies.OverlapPolicy, manual: false);
            }

            record.LastProcessedTime = nominal;
            if (spec.NextAfter(nominal) is not { } following)
            {
                break;
            }

            nominal = following;
        }

        record.Schedule = schedule.ToByteArray();
        _dirtySchedules.Add(record);
        ArmNextScheduleFire(record);
    }

    /// <summary>Starts the scheduled workflow for one nominal time, honouring the overlap policy.</summary>
    private void TakeScheduledAction(ScheduleRecord record, Schedule schedule, DateTime nominal, ScheduleOverlapPolicy policy, bool manual)
    {
        var running = RunningScheduledRuns(record);
        if (running.Count > 0)
        {
            switch (policy)
            {
                case ScheduleOverlapPolicy.AllowAll:
                    break;
                case ScheduleOverlapPolicy.BufferOne:
                    record.BufferedStarts = [nominal];
                    _dirtySchedules.Add(record);
                    return;
                case ScheduleOverlapPolicy.BufferAll:
                    record.BufferedStarts.Add(nominal);
                    _dirtySchedules.Add(record);
                    return;
                case ScheduleOverlapPolicy.CancelOther:
                    running.ForEach(r => RequestCancelRun(r, "canceled by schedule overlap policy", "schedule", null, 0, null));
                    record.BufferedStarts = [nominal];
                    _dirtySchedules.Add(record);
                    return;
                case ScheduleOverlapPolicy.TerminateOther:
                    running.ForEach(r => TerminateRun(r, "terminated by schedule overlap policy", null, "schedule"));
                    break;
                case ScheduleOverlapPolicy.Unspecified:
                case ScheduleOverlapPolicy.Skip:
                default:
                    record.OverlapSkipped++;
                    _dirtySchedules.Add(record);
                    return;
            }
        }

        var action = schedule.Action.StartWorkflow;
        var workflowId = $"{action.WorkflowId}-{nominal.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}";
        if (_currentRuns.TryGetValue((record.Namespace, workflowId), out var existing) && existing.IsOpen)
        {
            record.OverlapSkipped++;
            _dirtySchedules.Add(record);
            return;
        }

        var searchAttributes = action.SearchAttributes?.Clone() ?? new SearchAttributes();
        searchAttributes.IndexedFields["TemporalScheduledById"] = JsonPayload(record.ScheduleId, "Keyword");
        searchAttributes.IndexedFields["TemporalScheduledStartTime"] = JsonPayload(nominal.ToString("O", CultureInfo.InvariantCulture), "Datetime");
        var run = StartRun(new RunStart
        {
            Namespace = record.Namespace,
            WorkflowId = workflowId,
            WorkflowType = action.WorkflowType.Name,
            TaskQueue = action.TaskQueue.Name,
            Input = action.Input,
            ExecutionTimeout = action.WorkflowExecutionTimeout.OrZero(),
            RunTimeout = action.WorkflowRunTimeout.OrZero(),
            TaskTimeout = action.WorkflowTaskTimeout.OrZero(),
            RequestId = Guid.NewGuid().ToString(),
            Identity = "temporal-schedule",
            RetryPolicy = action.RetryPolicy,
            Memo = action.Memo,
            SearchAttributes = searchAttributes,
            Header = action.Header,
            ScheduleId = record.ScheduleId,
        });
        record.ActionCount++;
        record.RecentActions.Add(new ScheduleActionRecord { ScheduleTime = nominal, ActualTime = Now, WorkflowId = run.WorkflowId, RunId = run.RunId });
        if (record.RecentActions.Count > 10)
        {
            record.RecentActions.RemoveAt(0);
        }

        if (!manual && schedule.State.LimitedActions)
        {
            schedule.State.RemainingActions--;
            record.Schedule = schedule.ToByteArray();
        }

        _dirtySchedules.Add(record);
    }

    /// <summary>A scheduled run closed: start a buffered action, or pause when the policy says so on failure.</summary>
    private void OnScheduledRunClosed(Execution run)
    {
        if (run.State.ScheduleId is not { } scheduleId || !_schedules.TryGetValue((run.Namespace, scheduleId), out var record))
        {
            return;
        }

        var schedule = Schedule.Parser.ParseFrom(record.Schedule);
        if (schedule.Policies.PauseOnFailure && run.State.Status is WorkflowExecutionStatus.Failed or WorkflowExecutionStatus.TimedOut)
        {
            schedule.State.Paused = true;
            schedule.State.Notes = $"paused because workflow {run.WorkflowId} failed";
            record.Schedule = schedule.ToByteArray();
            _dirtySchedules.Add(record);
            return;
        }

        if (record.BufferedStarts.Count > 0 && run.State.Status != WorkflowExecutionStatus.ContinuedAsNew && run.State.NewRunId is null)
        {
            var nominal = record.BufferedStarts[0];
            record.BufferedStarts.RemoveAt(0);
            _dirtySchedules.Add(record);
            TakeScheduledAction(record, schedule, nominal, ScheduleOverlapPolicy.BufferAll, manual: false);
        }
    }
}
