using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Temporalio.Api.Common.V1;
using Temporalio.Api.ErrorDetails.V1;

namespace Platform.TemporalServer.Grpc;

/// <summary>The gRPC errors a real Temporal server answers with, including the typed details the SDK looks for.</summary>
internal static class RpcErrors
{
    public static RpcException InvalidArgument(string message) => new(new Status(StatusCode.InvalidArgument, message));

    public static RpcException NotFound(string message) => WithDetails(StatusCode.NotFound, message, new NotFoundFailure());

    public static RpcException FailedPrecondition(string message) => new(new Status(StatusCode.FailedPrecondition, message));

    public static RpcException DeadlineExceeded(string message) => new(new Status(StatusCode.DeadlineExceeded, message));

    public static RpcException NamespaceNotFound(string ns) =>
        WithDetails(StatusCode.NotFound, $"Namespace {ns} is not found.", new NamespaceNotFoundFailure { Namespace = ns });

    public static RpcException WorkflowNotFound(string workflowId, string? runId) =>
        NotFound($"workflow execution not found for workflow ID \"{workflowId}\" and run ID \"{runId}\"");

    public static RpcException WorkflowAlreadyCompleted() => NotFound("workflow execution already completed");

    public static RpcException AlreadyStarted(string requestId, string runId, string firstRunId) =>
        WithDetails(StatusCode.AlreadyExists, $"Workflow execution is already running. WorkflowId: , RunId: {runId}.",
            new WorkflowExecutionAlreadyStartedFailure { StartRequestId = requestId, RunId = runId, FirstExecutionRunId = firstRunId });

    public static RpcException AlreadyExists(string message) => new(new Status(StatusCode.AlreadyExists, message));

    public static RpcException QueryFailed(Temporalio.Api.Failure.V1.Failure failure) =>
        WithDetails(StatusCode.InvalidArgument, failure.Message, new QueryFailedFailure { Failure = failure });

    /// <summary>
    /// Update-with-start whose start failed: Temporal reports one status per operation (the failed one, then the
    /// update as Aborted) inside MultiOperationExecutionFailure.
    /// </summary>
    public static RpcException MultiOperationFailed(RpcException startError)
    {
        var startStatus = new MultiOperationExecutionFailure.Types.OperationStatus { Code = (int)startError.StatusCode, Message = startError.Status.Detail };
        var detailsBytes = startError.Trailers.GetValueBytes("grpc-status-details-bin");
        if (detailsBytes is not null)
        {
            startStatus.Details.AddRange(GrpcStatus.Parser.ParseFrom(detailsBytes).Details);
        }

        var failure = new MultiOperationExecutionFailure
        {
            Statuses = { startStatus, new MultiOperationExecutionFailure.Types.OperationStatus { Code = (int)StatusCode.Aborted, Message = "Operation was aborted." } },
        };
        return WithDetails(startError.StatusCode, "Update-with-Start could not be executed.", failure);
    }

    /// <summary>Attaches a google.rpc.Status (same wire format as <see cref="GrpcStatus"/>) with one typed detail.</summary>
    private static RpcException WithDetails(StatusCode code, string message, IMessage detail)
    {
        var status = new GrpcStatus { Code = (int)code, Message = message };
        status.Details.Add(Any.Pack(detail));
        var trailers = new Metadata { { "grpc-status-details-bin", status.ToByteArray() } };
        return new RpcException(new Status(code, message), trailers);
    }
}
