using System.Collections.Concurrent;
using Platform.TemporalServer.Grpc;
using Temporalio.Api.Common.V1;
using Temporalio.Api.Enums.V1;
using Temporalio.Api.Failure.V1;
using Temporalio.Api.History.V1;
using Temporalio.Api.Protocol.V1;
using Temporalio.Api.Query.V1;
using Temporalio.Api.TaskQueue.V1;
using Temporalio.Api.Update.V1;
using Temporalio.Api.WorkflowService.V1;

namespace Platform.TemporalServer.Engine;

/// <summary>Queries (legacy query tasks) and workflow updates.</summary>
internal sealed partial class TemporalEngine
{
    private readonly ConcurrentDictionary<string, PendingQuery> _queries = new(StringComparer.Ordinal);

    private sealed class PendingQuery(string runId, WorkflowQuery query)
    {
        public string RunId { get; } = runId;

        public WorkflowQuery Query { get; } = query;

        public TaskCompletionSource<RespondQueryTaskCompletedRequest> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public async Task<QueryWorkflowResponse> QueryWorkflowAsync(QueryWorkflowRequest request, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(request.Query?.QueryType))
        {
            throw RpcErrors.InvalidArgument("QueryType is not set on request.");
        }

        var queryId = Guid.NewGuid().ToString();
        lock (_gate)
        {
            var run = GetRun(request.Namespace, request.Execution?.WorkflowId, request.Execution?.RunId);
            var rejected = request.QueryRejectCondition switch
            {
                QueryRejectCondition.NotOpen => !run.IsOpen,
                QueryRejectCondition.NotCompletedCleanly => !run.IsOpen && run.State.Status != WorkflowExecutionStatus.Completed,
                _ => false,
            };
            if (rejected)
            {
                return new QueryWorkflowResponse { QueryRejected = new QueryRejected { Status = run.State.Status } };
            }

            _queries[queryId] = new PendingQuery(run.RunId, request.Query);
            _workflowQueues.Enqueue(run.Namespace, run.State.TaskQueue, new TaskRef(TaskKind.Query, queryId));
        }

        try
        {
            var answer = await _queries[queryId].Answer.Task.WaitAsync(Options.LongPollTimeout, cancellationToken);
            if (answer.CompletedType == QueryResultType.Answered)
            {
                return new QueryWorkflowResponse { QueryResult = answer.QueryResult };
            }

            throw RpcErrors.QueryFailed(answer.Failure ?? new Failure { Message = answer.ErrorMessage });
        }
        catch (TimeoutException)
        {
            throw RpcErrors.DeadlineExceeded("query timed out: no worker answered");
        }
        finally
        {
            _queries.TryRemove(queryId, out _);
        }
    }

    private PollWorkflowTaskQueueResponse? StartQueryTask(TaskRef task)
    {
        if (!_queries.TryGetValue(task.Id, out var query))
        {
            return null;
        }

        lock (_gate)
        {
            if (!_runs.TryGetValue(query.RunId, out var run))
            {
                return null;
            }

            return new PollWorkflowTaskQueueResponse
            {
                TaskToken = new TaskToken(TaskKind.Query, task.Id, 0, 1).ToByteString(),
                WorkflowExecution = new WorkflowExecution { WorkflowId = run.WorkflowId, RunId = run.RunId },
                WorkflowType = new WorkflowType { Name = run.State.WorkflowType },
                PreviousStartedEventId = run.State.LastCompletedWorkflowTaskStartedEventId,
                History = new History { Events = { run.History } },
                Query = query.Query,
                WorkflowExecutionTaskQueue = new TaskQueue { Name = run.State.TaskQueue, Kind = TaskQueueKind.Normal },
                Attempt = 1,
                ScheduledTime = Now.ToTimestamp(),
                StartedTime = Now.ToTimestamp(),
            };
        }
    }

    public void RespondQueryTaskCompleted(RespondQueryTaskCompletedRequest request)
    {
        var token = TaskToken.Parse(request.TaskToken);
        if (token.Kind != TaskKind.Query || !_queries.TryGetValue(token.Id, out var query))
        {
            throw RpcErrors.NotFound("query task not found, or already expired");
        }

        query.Answer.TrySetResult(request);
    }

    public async Task<UpdateWorkflowExecutionResponse> UpdateWorkflowExecutionAsync(UpdateWorkflowExecutionRequest request, CancellationToken cancellationToken)
    {
        var updateId = request.Request?.Meta?.UpdateId;
        if (string.IsNullOrEmpty(updateId))
        {
            throw RpcErrors.InvalidArgument("Update ID is not set on request.");
        }

        if (string.IsNullOrEmpty(request.Request!.Input?.Name))
        {
            throw RpcErrors.InvalidArgument("Update name is not set on request.");
        }

        var runId = Mutate(() =>
        {
            var run = GetRun(request.Namespace, request.WorkflowExecution?.WorkflowId, request.WorkflowExecution?.RunId);
            if (!string.IsNullOrEmpty(request.FirstExecutionRunId) && request.FirstExecutionRunId != run.State.FirstRunId)
            {
                throw RpcErrors.WorkflowNotFound(run.WorkflowId, request.FirstExecutionRunId);
            }

            if (UpdateStage(run, updateId, out _) == UpdateWorkflowExecutionLifecycleStage.Unspecified)
            {
                if (!run.IsOpen)
                {
                    throw RpcErrors.WorkflowAlreadyCompleted();
                }

                run.AdmittedUpdates.Add(new PendingUpdate(request.Request));
                MarkDirty(run);
                ScheduleWorkflowTask(run);
            }

            return run.RunId;
        });
        var wanted = request.WaitPolicy?.LifecycleStage ?? UpdateWorkflowExecutionLifecycleStage.Unspecified;
        var (stage, outcome) = await WaitForUpdateAsync(runId, updateId, wanted == UpdateWorkflowExecutionLifecycleStage.Completed
            ? UpdateWorkflowExecutionLifecycleStage.Completed : UpdateWorkflowExecutionLifecycleStage.Accepted, cancellationToken);
        return new UpdateWorkflowExecutionResponse
        {
            UpdateRef = new UpdateRef { UpdateId = updateId, WorkflowExecution = new WorkflowExecution { WorkflowId = request.WorkflowExecution!.WorkflowId, RunId = runId } },
            Stage = stage,
            Outcome = outcome,
        };
    }

    public async Task<PollWorkflowExecutionUpdateResponse> PollWorkflowExecutionUpdateAsync(PollWorkflowExecutionUpdateRequest request, CancellationToken cancellationToken)
    {
        var updateId = request.UpdateRef?.UpdateId;
        if (string.IsNullOrEmpty(updateId))
        {
            throw RpcErrors.InvalidArgument("Update ID is not set on request.");
        }

        string runId;
        lock (_gate)
        {
            var run = GetRun(request.Namespace, request.UpdateRef!.WorkflowExecution?.WorkflowId, request.UpdateRef.WorkflowExecution?.RunId);
            if (UpdateStage(run, updateId, out _) == UpdateWorkflowExecutionLifecycleStage.Unspecified)
            {
                throw RpcErrors.NotFound($"update {updateId} not found");
            }

            runId = run.RunId;
        }

        var wanted = request.WaitPolicy?.LifecycleStage ?? UpdateWorkflowExecutionLifecycleStage.Unspecified;
        var (stage, outcome) = await WaitForUpdateAsync(runId, updateId, wanted, cancellationToken);
        return new PollWorkflowExecutionUpdateResponse { Stage = stage, Outcome = outcome, UpdateRef = request.UpdateRef };
    }

    private async Task<(UpdateWorkflowExecutionLifecycleStage Stage, Outcome? Outcome)> WaitForUpdateAsync(string runId, string updateId,
        UpdateWorkflowExecutionLifecycleStage wanted, CancellationToken cancellationToken)
    {
        var deadline = Now + Options.LongPollTimeout;
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                var run = _runs[runId];
                var stage = UpdateStage(run, updateId, out var outcome);
                if (stage >= wanted || stage == UpdateWorkflowExecutionLifecycleStage.Completed)
                {
                    return (stage, outcome);
                }

                if (!run.IsOpen)
                {
                    throw RpcErrors.WorkflowAlreadyCompleted();
                }

                if (Now >= deadline)
                {
                    return (stage, null);
                }

                changed = run.Changed.Task;
            }

            await WaitForChangeAsync(changed, deadline - Now, cancellationToken);
        }
    }

    /// <summary>Where an update is: admitted (in memory), rejected, or accepted/completed (from history).</summary>
    private static UpdateWorkflowExecutionLifecycleStage UpdateStage(Execution run, string updateId, out Outcome? outcome)
    {
        outcome = null;
        var pending = run.AdmittedUpdates.FirstOrDefault(u => u.UpdateId == updateId);
        if (pending?.Rejection is { } rejection)
        {
            outcome = rejection;
            return UpdateWorkflowExecutionLifecycleStage.Completed;
        }

        if (pending is not null)
        {
            return UpdateWorkflowExecutionLifecycleStage.Admitted;
        }

        var stage = UpdateWorkflowExecutionLifecycleStage.Unspecified;
        for (var i = run.History.Count - 1; i >= 0; i--)
        {
            var historyEvent = run.History[i];
            if (historyEvent.WorkflowExecutionUpdateCompletedEventAttributes?.Meta?.UpdateId == updateId)
            {
                outcome = historyEvent.WorkflowExecutionUpdateCompletedEventAttributes.Outcome;
                return UpdateWorkflowExecutionLifecycleStage.Completed;
            }

            if (historyEvent.WorkflowExecutionUpdateAcceptedEventAttributes?.ProtocolInstanceId == updateId)
            {
                stage = UpdateWorkflowExecutionLifecycleStage.Accepted;
            }
        }

        return stage;
    }

    /// <summary>Applies an update protocol message from a workflow task completion.</summary>
    private void ApplyProtocolMessage(Execution run, Message message, long completedEventId)
    {
        if (message.Body is null)
        {
            return;
        }

        var pending = run.AdmittedUpdates.FirstOrDefault(u => u.UpdateId == message.ProtocolInstanceId && u.Rejection is null);
        if (message.Body.TryUnpack<Acceptance>(out var acceptance))
        {
            if (pending is null)
            {
                return;
            }

            run.AdmittedUpdates.Remove(pending);
            var accepted = NewEvent(EventType.WorkflowExecutionUpdateAccepted);
            accepted.WorkflowExecutionUpdateAcceptedEventAttributes = new WorkflowExecutionUpdateAcceptedEventAttributes
            {
                ProtocolInstanceId = pending.UpdateId,
                AcceptedRequestMessageId = acceptance.AcceptedRequestMessageId,
                AcceptedRequestSequencingEventId = acceptance.AcceptedRequestSequencingEventId,
                AcceptedRequest = pending.Request,
            };
            Append(run, accepted);
        }
        else if (message.Body.TryUnpack<Rejection>(out var rejection))
        {
            if (pending is not null)
            {
                pending.Rejection = new Outcome { Failure = rejection.Failure ?? new Failure { Message = "update rejected" } };
                MarkDirty(run);
            }
        }
        else if (message.Body.TryUnpack<Response>(out var response))
        {
            var acceptedEvent = run.History.LastOrDefault(e => e.WorkflowExecutionUpdateAcceptedEventAttributes?.ProtocolInstanceId == message.ProtocolInstanceId);
            if (acceptedEvent is null || UpdateStage(run, message.ProtocolInstanceId, out _) == UpdateWorkflowExecutionLifecycleStage.Completed)
            {
                return;
            }

            var completed = NewEvent(EventType.WorkflowExecutionUpdateCompleted);
            completed.WorkflowExecutionUpdateCompletedEventAttributes = new WorkflowExecutionUpdateCompletedEventAttributes
            {
                Meta = response.Meta ?? new Meta { UpdateId = message.ProtocolInstanceId }, AcceptedEventId = acceptedEvent.EventId, Outcome = response.Outcome,
            };
            Append(run, completed);
        }

        _ = completedEventId;
    }

    /// <summary>Update-with-start: start (or reuse) the workflow, then send the update.</summary>
    public async Task<ExecuteMultiOperationResponse> ExecuteMultiOperationAsync(ExecuteMultiOperationRequest request, CancellationToken cancellationToken)
    {
        if (request.Operations.Count != 2 || request.Operations[0].StartWorkflow is null || request.Operations[1].UpdateWorkflow is null)
        {
            throw RpcErrors.InvalidArgument("Operations have to be exactly [Start, Update].");
        }

        var start = request.Operations[0].StartWorkflow;
        var update = request.Operations[1].UpdateWorkflow;
        if (start.WorkflowId != update.WorkflowExecution?.WorkflowId)
        {
            throw RpcErrors.InvalidArgument("WorkflowId is not consistent with previous operation(s).");
        }

        if (start.WorkflowIdConflictPolicy == WorkflowIdConflictPolicy.Unspecified)
        {
            throw RpcErrors.InvalidArgument("WorkflowIdConflictPolicy must be set for update-with-start.");
        }

        StartWorkflowExecutionResponse started;
        try
        {
            started = StartWorkflowExecution(start);
        }
        catch (global::Grpc.Core.RpcException ex)
        {
            throw RpcErrors.MultiOperationFailed(ex);
        }

        var updateRequest = update.Clone();
        updateRequest.WorkflowExecution.RunId = started.RunId;
        var updated = await UpdateWorkflowExecutionAsync(updateRequest, cancellationToken);
        return new ExecuteMultiOperationResponse
        {
            Responses =
            {
                new ExecuteMultiOperationResponse.Types.Response { StartWorkflow = started },
                new ExecuteMultiOperationResponse.Types.Response { UpdateWorkflow = updated },
            },
        };
    }
}
