using Grpc.Core;
using Grpc.Core.Interceptors;
using Platform.TemporalServer.Hosting;

namespace Platform.TemporalServer.Grpc;

/// <summary>Logs every failed call (expected RPC errors at debug, anything else as an internal error).</summary>
internal sealed class ErrorLoggingInterceptor(ILogger<ErrorLoggingInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (RpcException ex)
        {
            ServerLog.RpcFailed(logger, context.Method, ex.StatusCode, ex.Status.Detail);
            throw;
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            ServerLog.RpcCrashed(logger, context.Method, ex);
            throw new RpcException(new Status(StatusCode.Internal, "internal server error: " + ex.Message));
        }
    }
}
