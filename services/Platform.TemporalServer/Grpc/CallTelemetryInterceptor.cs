using System.Diagnostics;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Platform.TemporalServer.Engine;
using Platform.TemporalServer.Hosting;

namespace Platform.TemporalServer.Grpc;

/// <summary>
/// One span per RPC (ActivitySource "Platform.TemporalServer", tagged with the method and gRPC status) and logs for
/// failed calls: expected RPC errors at debug, anything else as an internal error answered with status Internal.
/// </summary>
internal sealed class CallTelemetryInterceptor(ILogger<CallTelemetryInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var method = context.Method[(context.Method.LastIndexOf('/') + 1)..];
        using var span = TemporalEngine.Source.StartActivity(method, ActivityKind.Server);
        span?.SetTag("rpc.system", "grpc");
        span?.SetTag("rpc.method", method);
        try
        {
            var response = await continuation(request, context);
            span?.SetTag("rpc.grpc.status_code", (int)StatusCode.OK);
            return response;
        }
        catch (RpcException ex)
        {
            span?.SetTag("rpc.grpc.status_code", (int)ex.StatusCode);
            ServerLog.RpcFailed(logger, context.Method, ex.StatusCode, ex.Status.Detail);
            throw;
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            span?.SetTag("rpc.grpc.status_code", (int)StatusCode.Cancelled);
            throw;
        }
        catch (Exception ex)
        {
            span?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            ServerLog.RpcCrashed(logger, context.Method, ex);
            throw new RpcException(new Status(StatusCode.Internal, "internal server error: " + ex.Message));
        }
    }
}
