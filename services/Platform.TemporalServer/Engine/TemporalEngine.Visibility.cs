using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Platform.TemporalServer.Grpc;
using Platform.TemporalServer.Visibility;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Workflow.V1;
using Temporalio.Api.WorkflowService.V1;

namespace Platform.TemporalServer.Engine;

/// <summary>Describe, list and count.</summary>
internal sealed partial class TemporalEngine
{
    public DescribeWorkflowExecutionResponse DescribeWorkflowExecution(DescribeWorkflowExecutionRequest request)
    {
        lock (_gate)
        {
            var run = GetRun(request.Namespace, request.Execution?.WorkflowId, request.Execution?.RunId);
            var started = run.Started;
            var response = new DescribeWorkflowExecutionResponse
            {
                ExecutionConfig = new WorkflowExecutionConfig
                {
                    TaskQueue = started.TaskQueue, WorkflowExecutionTimeout = started.WorkflowExecutionTimeout, WorkflowRunTimeout = started.WorkflowRunTimeout,
                    DefaultWorkflowTaskTimeout = started.WorkflowTaskTimeout,
                },
                WorkflowExecutionInfo = ExecutionInfo(run),
            };
            foreach (var activity in run.State.Activities.Values)
            {
                var attributes = ScheduledAttributes(run, activity);
                var info = new PendingActivityInfo
                {
                    ActivityId = activity.ActivityId,
                    ActivityType = attributes.ActivityType,
                    State = activity.CancelRequested ? PendingActivityState.CancelRequested
                        : activity.State == ActivityState.Started ? PendingActivityState.Started : PendingActivityState.Scheduled,
                    Attempt = activity.Attempt,
                    MaximumAttempts = attributes.RetryPolicy?.MaximumAttempts ?? 0,
                    ScheduledTime = activity.ScheduledTime.ToTimestamp(),
                    LastWorkerIdentity = activity.Identity ?? string.Empty,
                    HeartbeatDetails = activity.HeartbeatDetails is null ? null : Payloads.Parser.ParseFrom(activity.HeartbeatDetails),
                    LastFailure = activity.LastFailure is null ? null : Temporalio.Api.Failure.V1.Failure.Parser.ParseFrom(activity.LastFailure),
                };
                if (activity.StartedTime is { } startedTime)
                {
                    info.LastStartedTime = startedTime.ToTimestamp();
                }

                if (activity.LastHeartbeatTime is { } heartbeat)
                {
                    info.LastHeartbeatTime = heartbeat.ToTimestamp();
                }

                if (activity.RetryAt is { } retryAt)
                {
                    info.NextAttemptScheduleTime = retryAt.ToTimestamp();
                }

                response.PendingActivities.Add(info);
            }

            foreach (var child in run.State.Children.Values)
            {
                response.PendingChildren.Add(new PendingChildExecutionInfo
                {
                    WorkflowId = child.WorkflowId, RunId = child.RunId, WorkflowTypeName = child.WorkflowType, InitiatedId = child.InitiatedEventId,
                    ParentClosePolicy = child.ParentClosePolicy,
                });
            }

            if (run.IsOpen && run.State.WorkflowTask != WorkflowTaskState.None)
            {
                response.PendingWorkflowTask = new PendingWorkflowTaskInfo
                {
                    State = run.State.WorkflowTask == WorkflowTaskState.Started ? PendingWorkflowTaskState.Started : PendingWorkflowTaskState.Scheduled,
                    ScheduledTime = (run.State.WorkflowTaskScheduledTime ?? Now).ToTimestamp(),
                    Attempt = Math.Max(1, run.State.WorkflowTaskAttempt),
                };
            }

            return response;
        }
    }

    private static WorkflowExecutionInfo ExecutionInfo(Execution run)
    {
        var state = run.State;
        var info = new WorkflowExecutionInfo
        {
            Execution = new WorkflowExecution { WorkflowId = run.WorkflowId, RunId = run.RunId },
            Type = new WorkflowType { Name = state.WorkflowType },
            StartTime = state.StartTime.ToTimestamp(),
            ExecutionTime = state.ExecutionTime.ToTimestamp(),
            Status = state.Status,
            HistoryLength = run.History.Count,
            TaskQueue = state.TaskQueue,
            Memo = state.Memo is null ? new Memo() : Memo.Parser.ParseFrom(state.Memo),
            SearchAttributes = state.SearchAttributes is null ? new SearchAttributes() : SearchAttributes.Parser.ParseFrom(state.SearchAttributes),
            FirstRunId = state.FirstRunId,
            StateTransitionCount = run.History.Count,
        };
        if (state.CloseTime is { } closeTime)
        {
            info.CloseTime = closeTime.ToTimestamp();
            info.ExecutionDuration = (closeTime - state.ExecutionTime).ToDuration();
        }

        if (state.ParentRunId is not null)
        {
            info.ParentExecution = new WorkflowExecution { WorkflowId = state.ParentWorkflowId, RunId = state.ParentRunId };
            info.ParentNamespaceId = state.ParentNamespace;
        }

        return info;
    }

    public ListWorkflowExecutionsResponse ListWorkflowExecutions(ListWorkflowExecutionsRequest request)
    {
        var query = ParseVisibilityQuery(request.Query);
        lock (_gate)
        {
            RequireNamespace(request.Namespace);
            var offset = 0;
            if (request.NextPageToken.Length > 0 && !int.TryParse(request.NextPageToken.ToStringUtf8(), NumberStyles.None, CultureInfo.InvariantCulture, out offset))
            {
                throw RpcErrors.InvalidArgument("Invalid NextPageToken.");
            }

            var matches = Filter(request.Namespace, query);
            var pageSize = request.PageSize > 0 ? request.PageSize : 1000;
            var response = new ListWorkflowExecutionsResponse();
            response.Executions.AddRange(matches.Skip(offset).Take(pageSize).Select(ExecutionInfo));
            if (offset + pageSize < matches.Count)
            {
                response.NextPageToken = ByteString.CopyFromUtf8((offset + pageSize).ToString(CultureInfo.InvariantCulture));
            }

            return response;
        }
    }

    public CountWorkflowExecutionsResponse CountWorkflowExecutions(CountWorkflowExecutionsRequest request)
    {
        var text = request.Query ?? string.Empty;
        var groupByStatus = false;
        var groupIndex = text.IndexOf("GROUP BY", StringComparison.OrdinalIgnoreCase);
        if (groupIndex >= 0)
        {
            var groupField = text[(groupIndex + "GROUP BY".Length)..].Trim();
            if (!groupField.Equals("ExecutionStatus", StringComparison.Ordinal))
            {
                throw RpcErrors.InvalidArgument("'GROUP BY' clause is only supported for ExecutionStatus.");
            }

            groupByStatus = true;
            text = text[..groupIndex];
        }

        var query = ParseVisibilityQuery(text);
        lock (_gate)
        {
            RequireNamespace(request.Namespace);
            var matches = Filter(request.Namespace, query);
            var response = new CountWorkflowExecutionsResponse { Count = matches.Count };
            if (groupByStatus)
            {
                foreach (var group in matches.GroupBy(r => r.State.Status).OrderBy(g => g.Key))
                {
                    var aggregation = new CountWorkflowExecutionsResponse.Types.AggregationGroup { Count = group.Count() };
                    aggregation.GroupValues.Add(JsonPayload(StatusName(group.Key), "Keyword"));
                    response.Groups.Add(aggregation);
                }
            }

            return response;
        }
    }

    private static VisibilityQuery ParseVisibilityQuery(string? text)
    {
        try
        {
            return VisibilityQuery.Parse(text);
        }
        catch (VisibilityQueryException ex)
        {
            throw RpcErrors.InvalidArgument($"invalid query: {ex.Message}");
        }
    }

    private List<Execution> Filter(string ns, VisibilityQuery query)
    {
        try
        {
            var matches = _runs.Values.Where(r => r.Namespace == ns && query.Matches(field => FieldValue(r, field))).ToList();
            var orderField = query.OrderBy ?? "StartTime";
            Comparison<Execution> byField = (a, b) => CompareValues(FieldValue(a, orderField), FieldValue(b, orderField));
            var descending = query.OrderBy is null || query.Descending;
            matches.Sort((a, b) => descending ? byField(b, a) : byField(a, b));
            return matches;
        }
        catch (VisibilityQueryException ex)
        {
            throw RpcErrors.InvalidArgument($"invalid query: {ex.Message}");
        }
    }

    private static int CompareValues(object? a, object? b) => (a, b) switch
    {
        (null, null) => 0,
        (null, _) => -1,
        (_, null) => 1,
        (IComparable x, _) when x.GetType() == b.GetType() => x.CompareTo(b),
        _ => string.CompareOrdinal(a.ToString(), b.ToString()),
    };

    /// <summary>System fields by name, then search attributes decoded from their JSON payloads.</summary>
    private static object? FieldValue(Execution run, string field)
    {
        var state = run.State;
        switch (field)
        {
            case "WorkflowId":
                return run.WorkflowId;
            case "RunId":
                return run.RunId;
            case "WorkflowType":
                return state.WorkflowType;
            case "ExecutionStatus":
                return StatusName(state.Status);
            case "StartTime":
                return state.StartTime;
            case "ExecutionTime":
                return state.ExecutionTime;
            case "CloseTime":
                return state.CloseTime;
            case "TaskQueue":
                return state.TaskQueue;
            case "HistoryLength":
                return (long)run.History.Count;
            case "ParentWorkflowId":
                return state.ParentWorkflowId;
            case "ParentRunId":
                return state.ParentRunId;
            case "TemporalScheduledById":
                return state.ScheduleId;
            default:
                break;
        }

        if (state.SearchAttributes is null)
        {
            return null;
        }

        var attributes = SearchAttributes.Parser.ParseFrom(state.SearchAttributes);
        return attributes.IndexedFields.TryGetValue(field, out var payload) ? DecodeSearchAttribute(payload) : null;
    }

    internal static object? DecodeSearchAttribute(Payload payload)
    {
        var type = payload.Metadata.TryGetValue("type", out var typeBytes) ? typeBytes.ToStringUtf8() : string.Empty;
        try
        {
            using var document = JsonDocument.Parse(payload.Data.Memory);
            var element = document.RootElement;
            switch (element.ValueKind)
            {
                case JsonValueKind.Array:
                    return element.EnumerateArray().Select(e => e.ToString()).ToList();
                case JsonValueKind.Number:
                    return type is "Double" ? element.GetDouble() : element.TryGetInt64(out var l) ? l : element.GetDouble();
                case JsonValueKind.True:
                case JsonValueKind.False:
                    return element.GetBoolean();
                case JsonValueKind.String:
                    var text = element.GetString();
                    if (type is "Datetime" && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
                    {
                        return time.UtcDateTime;
                    }

                    return text;
                case JsonValueKind.Undefined:
                case JsonValueKind.Object:
                case JsonValueKind.Null:
                default:
                    return null;
            }
        }
        catch (JsonException)
        {
            return null;
        }
    }

    internal static string StatusName(WorkflowExecutionStatus status) => status switch
    {
        WorkflowExecutionStatus.Running => "Running",
        WorkflowExecutionStatus.Completed => "Completed",
        WorkflowExecutionStatus.Failed => "Failed",
        WorkflowExecutionStatus.Canceled => "Canceled",
        WorkflowExecutionStatus.Terminated => "Terminated",
        WorkflowExecutionStatus.ContinuedAsNew => "ContinuedAsNew",
        WorkflowExecutionStatus.TimedOut => "TimedOut",
        WorkflowExecutionStatus.Unspecified => "Unspecified",
        _ => "Unspecified",
    };

    internal static Payload JsonPayload(string value, string? searchAttributeType = null)
    {
        var payload = new Payload { Data = ByteString.CopyFromUtf8(JsonSerializer.Serialize(value)) };
        payload.Metadata["encoding"] = ByteString.CopyFromUtf8("json/plain");
        if (searchAttributeType is not null)
        {
            payload.Metadata["type"] = ByteString.CopyFromUtf8(searchAttributeType);
        }

        return payload;
    }
}
