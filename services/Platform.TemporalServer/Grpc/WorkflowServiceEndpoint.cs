using Google.Protobuf;
using Grpc.Core;
using Platform.TemporalServer.Engine;
using Temporalio.Api.Namespace.V1;
using Temporalio.Api.WorkflowService.V1;

namespace Platform.TemporalServer.Grpc;

/// <summary>
/// temporal.api.workflowservice.v1.WorkflowService over the message classes shipped in the Temporalio package (no .proto
/// files). Only the RPCs below are bound; every other method of the service answers Unimplemented.
/// Grpc.AspNetCore finds handlers by reflection: each must be a public virtual method named exactly like its RPC.
/// </summary>
[BindServiceMethod(typeof(WorkflowServiceEndpoint), nameof(BindService))]
internal class WorkflowServiceEndpoint(TemporalEngine engine)
{
    public const string ServiceName = "temporal.api.workflowservice.v1.WorkflowService";

    /// <summary>The RPC names this server implements (also used by the README check and tests).</summary>
    public static IReadOnlyList<string> ImplementedMethods { get; } =
    [
        nameof(GetSystemInfo), nameof(DescribeNamespace), nameof(ListNamespaces), nameof(StartWorkflowExecution), nameof(SignalWithStartWorkflowExecution),
        nameof(SignalWorkflowExecution), nameof(RequestCancelWorkflowExecution), nameof(TerminateWorkflowExecution), nameof(DescribeWorkflowExecution),
        nameof(GetWorkflowExecutionHistory), nameof(PollWorkflowTaskQueue), nameof(RespondWorkflowTaskCompleted), nameof(RespondWorkflowTaskFailed),
        nameof(PollActivityTaskQueue), nameof(RecordActivityTaskHeartbeat), nameof(RecordActivityTaskHeartbeatById), nameof(RespondActivityTaskCompleted),
        nameof(RespondActivityTaskCompletedById), nameof(RespondActivityTaskFailed), nameof(RespondActivityTaskFailedById), nameof(RespondActivityTaskCanceled),
        nameof(RespondActivityTaskCanceledById), nameof(QueryWorkflow), nameof(RespondQueryTaskCompleted), nameof(UpdateWorkflowExecution),
        nameof(PollWorkflowExecutionUpdate), nameof(ExecuteMultiOperation), nameof(ListWorkflowExecutions), nameof(CountWorkflowExecutions),
        nameof(CreateSchedule), nameof(DescribeSchedule), nameof(UpdateSchedule), nameof(PatchSchedule), nameof(DeleteSchedule), nameof(ListSchedules),
        nameof(ShutdownWorker),
    ];

    public static void BindService(ServiceBinderBase binder, WorkflowServiceEndpoint? service)
    {
        ArgumentNullException.ThrowIfNull(binder);
        Bind<GetSystemInfoRequest, GetSystemInfoResponse>(binder, nameof(GetSystemInfo));
        Bind<DescribeNamespaceRequest, DescribeNamespaceResponse>(binder, nameof(DescribeNamespace));
        Bind<ListNamespacesRequest, ListNamespacesResponse>(binder, nameof(ListNamespaces));
        Bind<StartWorkflowExecutionRequest, StartWorkflowExecutionResponse>(binder, nameof(StartWorkflowExecution));
        Bind<SignalWithStartWorkflowExecutionRequest, SignalWithStartWorkflowExecutionResponse>(binder, nameof(SignalWithStartWorkflowExecution));
        Bind<SignalWorkflowExecutionRequest, SignalWorkflowExecutionResponse>(binder, nameof(SignalWorkflowExecution));
        Bind<RequestCancelWorkflowExecutionRequest, RequestCancelWorkflowExecutionResponse>(binder, nameof(RequestCancelWorkflowExecution));
        Bind<TerminateWorkflowExecutionRequest, TerminateWorkflowExecutionResponse>(binder, nameof(TerminateWorkflowExecution));
        Bind<DescribeWorkflowExecutionRequest, DescribeWorkflowExecutionResponse>(binder, nameof(DescribeWorkflowExecution));
        Bind<GetWorkflowExecutionHistoryRequest, GetWorkflowExecutionHistoryResponse>(binder, nameof(GetWorkflowExecutionHistory));
        Bind<PollWorkflowTaskQueueRequest, PollWorkflowTaskQueueResponse>(binder, nameof(PollWorkflowTaskQueue));
        Bind<RespondWorkflowTaskCompletedRequest, RespondWorkflowTaskCompletedResponse>(binder, nameof(RespondWorkflowTaskCompleted));
        Bind<RespondWorkflowTaskFailedRequest, RespondWorkflowTaskFailedResponse>(binder, nameof(RespondWorkflowTaskFailed));
        Bind<PollActivityTaskQueueRequest, PollActivityTaskQueueResponse>(binder, nameof(PollActivityTaskQueue));
        Bind<RecordActivityTaskHeartbeatRequest, RecordActivityTaskHeartbeatResponse>(binder, nameof(RecordActivityTaskHeartbeat));
        Bind<RecordActivityTaskHeartbeatByIdRequest, RecordActivityTaskHeartbeatByIdResponse>(binder, nameof(RecordActivityTaskHeartbeatById));
        Bind<RespondActivityTaskCompletedRequest, RespondActivityTaskCompletedResponse>(binder, nameof(RespondActivityTaskCompleted));
        Bind<RespondActivityTaskCompletedByIdRequest, RespondActivityTaskCompletedByIdResponse>(binder, nameof(RespondActivityTaskCompletedById));
        Bind<RespondActivityTaskFailedRequest, RespondActivityTaskFailedResponse>(binder, nameof(RespondActivityTaskFailed));
        Bind<RespondActivityTaskFailedByIdRequest, RespondActivityTaskFailedByIdResponse>(binder, nameof(RespondActivityTaskFailedById));
        Bind<RespondActivityTaskCanceledRequest, RespondActivityTaskCanceledResponse>(binder, nameof(RespondActivityTaskCanceled));
        Bind<RespondActivityTaskCanceledByIdRequest, RespondActivityTaskCanceledByIdResponse>(binder, nameof(RespondActivityTaskCanceledById));
        Bind<QueryWorkflowRequest, QueryWorkflowResponse>(binder, nameof(QueryWorkflow));
        Bind<RespondQueryTaskCompletedRequest, RespondQueryTaskCompletedResponse>(binder, nameof(RespondQueryTaskCompleted));
        Bind<UpdateWorkflowExecutionRequest, UpdateWorkflowExecutionResponse>(binder, nameof(UpdateWorkflowExecution));
        Bind<PollWorkflowExecutionUpdateRequest, PollWorkflowExecutionUpdateResponse>(binder, nameof(PollWorkflowExecutionUpdate));
        Bind<ExecuteMultiOperationRequest, ExecuteMultiOperationResponse>(binder, nameof(ExecuteMultiOperation));
        Bind<ListWorkflowExecutionsRequest, ListWorkflowExecutionsResponse>(binder, nameof(ListWorkflowExecutions));
        Bind<CountWorkflowExecutionsRequest, CountWorkflowExecutionsResponse>(binder, nameof(CountWorkflowExecutions));
        Bind<CreateScheduleRequest, CreateScheduleResponse>(binder, nameof(CreateSchedule));
        Bind<DescribeScheduleRequest, DescribeScheduleResponse>(binder, nameof(DescribeSchedule));
        Bind<UpdateScheduleRequest, UpdateScheduleResponse>(binder, nameof(UpdateSchedule));
        Bind<PatchScheduleRequest, PatchScheduleResponse>(binder, nameof(PatchSchedule));
        Bind<DeleteScheduleRequest, DeleteScheduleResponse>(binder, nameof(DeleteSchedule));
        Bind<ListSchedulesRequest, ListSchedulesResponse>(binder, nameof(ListSchedules));
        Bind<ShutdownWorkerRequest, ShutdownWorkerResponse>(binder, nameof(ShutdownWorker));
    }

    private static void Bind<TRequest, TResponse>(ServiceBinderBase binder, string name)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var method = new Method<TRequest, TResponse>(MethodType.Unary, ServiceName, name, MarshallerFor<TRequest>(), MarshallerFor<TResponse>());
        binder.AddMethod(method, (UnaryServerMethod<TRequest, TResponse>)null!);
    }

    private static Marshaller<T> MarshallerFor<T>()
        where T : class, IMessage<T>, new()
    {
        var parser = new MessageParser<T>(() => new T());
        return Marshallers.Create(message => message.ToByteArray(), parser.ParseFrom);
    }

    public virtual Task<GetSystemInfoResponse> GetSystemInfo(GetSystemInfoRequest request, ServerCallContext context) => Task.FromResult(new GetSystemInfoResponse
    {
        ServerVersion = "1.27.0-platform",
        Capabilities = new GetSystemInfoResponse.Types.Capabilities
        {
            SignalAndQueryHeader = true,
            InternalErrorDifferentiation = true,
            ActivityFailureIncludeHeartbeat = true,
            SupportsSchedules = true,
            EncodedFailureAttributes = true,
            UpsertMemo = true,
            SdkMetadata = true,
            CountGroupByExecutionStatus = true,
        },
    });

    public virtual Task<DescribeNamespaceResponse> DescribeNamespace(DescribeNamespaceRequest request, ServerCallContext context)
    {
        var name = request.Namespace;
        if (string.IsNullOrEmpty(name) && !string.IsNullOrEmpty(request.Id))
        {
            name = request.Id;
        }

        if (!engine.Namespaces.Contains(name))
        {
            throw RpcErrors.NamespaceNotFound(name);
        }

        return Task.FromResult(NamespaceDescription(name));
    }

    public virtual Task<ListNamespacesResponse> ListNamespaces(ListNamespacesRequest request, ServerCallContext context)
    {
        var response = new ListNamespacesResponse();
        response.Namespaces.AddRange(engine.Namespaces.Order(StringComparer.Ordinal).Select(NamespaceDescription));
        return Task.FromResult(response);
    }

    private static DescribeNamespaceResponse NamespaceDescription(string name) => new()
    {
        NamespaceInfo = new NamespaceInfo
        {
            Name = name,
            Id = name,
            State = Temporalio.Api.Enums.V1.NamespaceState.Registered,
            Capabilities = new NamespaceInfo.Types.Capabilities { SyncUpdate = true, AsyncUpdate = true },
        },
        Config = new NamespaceConfig { WorkflowExecutionRetentionTtl = TimeSpan.FromDays(1).ToDuration() },
    };

    public virtual Task<StartWorkflowExecutionResponse> StartWorkflowExecution(StartWorkflowExecutionRequest request, ServerCallContext context) =>
        Task.FromResult(engine.StartWorkflowExecution(request));

    public virtual Task<SignalWithStartWorkflowExecutionResponse> SignalWithStartWorkflowExecution(SignalWithStartWorkflowExecutionRequest request, ServerCallContext context) =>
        Task.FromResult(engine.SignalWithStartWorkflowExecution(request));

    public virtual Task<SignalWorkflowExecutionResponse> SignalWorkflowExecution(SignalWorkflowExecutionRequest request, ServerCallContext context) =>
        Acknowledge<SignalWorkflowExecutionResponse>(() => engine.SignalWorkflowExecution(request));

    public virtual Task<RequestCancelWorkflowExecutionResponse> RequestCancelWorkflowExecution(RequestCancelWorkflowExecutionRequest request, ServerCallContext context) =>
        Acknowledge<RequestCancelWorkflowExecutionResponse>(() => engine.RequestCancelWorkflowExecution(request));

    public virtual Task<TerminateWorkflowExecutionResponse> TerminateWorkflowExecution(TerminateWorkflowExecutionRequest request, ServerCallContext context) =>
        Acknowledge<TerminateWorkflowExecutionResponse>(() => engine.TerminateWorkflowExecution(request));

    public virtual Task<DescribeWorkflowExecutionResponse> DescribeWorkflowExecution(DescribeWorkflowExecutionRequest request, ServerCallContext context) =>
        Task.FromResult(engine.DescribeWorkflowExecution(request));

    public virtual Task<GetWorkflowExecutionHistoryResponse> GetWorkflowExecutionHistory(GetWorkflowExecutionHistoryRequest request, ServerCallContext context) =>
        engine.GetWorkflowExecutionHistoryAsync(request, context.CancellationToken);

    public virtual Task<PollWorkflowTaskQueueResponse> PollWorkflowTaskQueue(PollWorkflowTaskQueueRequest request, ServerCallContext context) =>
        engine.PollWorkflowTaskQueueAsync(request, context.CancellationToken);

    public virtual Task<RespondWorkflowTaskCompletedResponse> RespondWorkflowTaskCompleted(RespondWorkflowTaskCompletedRequest request, ServerCallContext context) =>
        Task.FromResult(engine.RespondWorkflowTaskCompleted(request));

    public virtual Task<RespondWorkflowTaskFailedResponse> RespondWorkflowTaskFailed(RespondWorkflowTaskFailedRequest request, ServerCallContext context) =>
        Acknowledge<RespondWorkflowTaskFailedResponse>(() => engine.RespondWorkflowTaskFailed(request));

    public virtual Task<PollActivityTaskQueueResponse> PollActivityTaskQueue(PollActivityTaskQueueRequest request, ServerCallContext context) =>
        engine.PollActivityTaskQueueAsync(request, context.CancellationToken);

    public virtual Task<RecordActivityTaskHeartbeatResponse> RecordActivityTaskHeartbeat(RecordActivityTaskHeartbeatRequest request, ServerCallContext context) =>
        Task.FromResult(engine.RecordActivityTaskHeartbeat(request.TaskToken, request.Details));

    public virtual Task<RecordActivityTaskHeartbeatByIdResponse> RecordActivityTaskHeartbeatById(RecordActivityTaskHeartbeatByIdRequest request, ServerCallContext context)
    {
        var result = engine.RecordActivityTaskHeartbeatById(request.Namespace, request.WorkflowId, request.RunId, request.ActivityId, request.Details);
        return Task.FromResult(new RecordActivityTaskHeartbeatByIdResponse { CancelRequested = result.CancelRequested });
    }

    public virtual Task<RespondActivityTaskCompletedResponse> RespondActivityTaskCompleted(RespondActivityTaskCompletedRequest request, ServerCallContext context) =>
        Acknowledge<RespondActivityTaskCompletedResponse>(() => engine.RespondActivityTaskCompleted(request.TaskToken, request.Result, request.Identity));

    public virtual Task<RespondActivityTaskCompletedByIdResponse> RespondActivityTaskCompletedById(RespondActivityTaskCompletedByIdRequest request, ServerCallContext context) =>
        Acknowledge<RespondActivityTaskCompletedByIdResponse>(() => engine.RespondActivityTaskCompletedById(request.Namespace, request.WorkflowId, request.RunId, request.ActivityId, request.Result, request.Identity));

    public virtual Task<RespondActivityTaskFailedResponse> RespondActivityTaskFailed(RespondActivityTaskFailedRequest request, ServerCallContext context) =>
        Acknowledge<RespondActivityTaskFailedResponse>(() => engine.RespondActivityTaskFailed(request.TaskToken, request.Failure, request.LastHeartbeatDetails, request.Identity));

    public virtual Task<RespondActivityTaskFailedByIdResponse> RespondActivityTaskFailedById(RespondActivityTaskFailedByIdRequest request, ServerCallContext context) =>
        Acknowledge<RespondActivityTaskFailedByIdResponse>(() => engine.RespondActivityTaskFailedById(request.Namespace, request.WorkflowId, request.RunId, request.ActivityId, request.Failure, request.LastHeartbeatDetails, request.Identity));

    public virtual Task<RespondActivityTaskCanceledResponse> RespondActivityTaskCanceled(RespondActivityTaskCanceledRequest request, ServerCallContext context) =>
        Acknowledge<RespondActivityTaskCanceledResponse>(() => engine.RespondActivityTaskCanceled(request.TaskToken, request.Details, request.Identity));

    public virtual Task<RespondActivityTaskCanceledByIdResponse> RespondActivityTaskCanceledById(RespondActivityTaskCanceledByIdRequest request, ServerCallContext context) =>
        Acknowledge<RespondActivityTaskCanceledByIdResponse>(() => engine.RespondActivityTaskCanceledById(request.Namespace, request.WorkflowId, request.RunId, request.ActivityId, request.Details, request.Identity));

    public virtual Task<QueryWorkflowResponse> QueryWorkflow(QueryWorkflowRequest request, ServerCallContext context) =>
        engine.QueryWorkflowAsync(request, context.CancellationToken);

    public virtual Task<RespondQueryTaskCompletedResponse> RespondQueryTaskCompleted(RespondQueryTaskCompletedRequest request, ServerCallContext context) =>
        Acknowledge<RespondQueryTaskCompletedResponse>(() => engine.RespondQueryTaskCompleted(request));

    public virtual Task<UpdateWorkflowExecutionResponse> UpdateWorkflowExecution(UpdateWorkflowExecutionRequest request, ServerCallContext context) =>
        engine.UpdateWorkflowExecutionAsync(request, context.CancellationToken);

    public virtual Task<PollWorkflowExecutionUpdateResponse> PollWorkflowExecutionUpdate(PollWorkflowExecutionUpdateRequest request, ServerCallContext context) =>
        engine.PollWorkflowExecutionUpdateAsync(request, context.CancellationToken);

    public virtual Task<ExecuteMultiOperationResponse> ExecuteMultiOperation(ExecuteMultiOperationRequest request, ServerCallContext context) =>
        engine.ExecuteMultiOperationAsync(request, context.CancellationToken);

    public virtual Task<ListWorkflowExecutionsResponse> ListWorkflowExecutions(ListWorkflowExecutionsRequest request, ServerCallContext context) =>
        Task.FromResult(engine.ListWorkflowExecutions(request));

    public virtual Task<CountWorkflowExecutionsResponse> CountWorkflowExecutions(CountWorkflowExecutionsRequest request, ServerCallContext context) =>
        Task.FromResult(engine.CountWorkflowExecutions(request));

    public virtual Task<CreateScheduleResponse> CreateSchedule(CreateScheduleRequest request, ServerCallContext context) =>
        Task.FromResult(engine.CreateSchedule(request));

    public virtual Task<DescribeScheduleResponse> DescribeSchedule(DescribeScheduleRequest request, ServerCallContext context) =>
        Task.FromResult(engine.DescribeSchedule(request));

    public virtual Task<UpdateScheduleResponse> UpdateSchedule(UpdateScheduleRequest request, ServerCallContext context) =>
        Acknowledge<UpdateScheduleResponse>(() => engine.UpdateSchedule(request));

    public virtual Task<PatchScheduleResponse> PatchSchedule(PatchScheduleRequest request, ServerCallContext context) =>
        Acknowledge<PatchScheduleResponse>(() => engine.PatchSchedule(request));

    public virtual Task<DeleteScheduleResponse> DeleteSchedule(DeleteScheduleRequest request, ServerCallContext context) =>
        Acknowledge<DeleteScheduleResponse>(() => engine.DeleteSchedule(request));

    public virtual Task<ListSchedulesResponse> ListSchedules(ListSchedulesRequest request, ServerCallContext context) =>
        Task.FromResult(engine.ListSchedules(request));

    /// <summary>Runs an RPC that returns nothing but its empty response message; errors are thrown synchronously as before.</summary>
    private static Task<TResponse> Acknowledge<TResponse>(Action command)
        where TResponse : new()
    {
        command();
        return Task.FromResult(new TResponse());
    }

    /// <summary>Nothing to release: sticky queues are never used.</summary>
    public virtual Task<ShutdownWorkerResponse> ShutdownWorker(ShutdownWorkerRequest request, ServerCallContext context) =>
        Task.FromResult(new ShutdownWorkerResponse());
}
