using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Platform.TemporalServer.Hosting;

namespace Platform.TemporalServer.Grpc;

/// <summary>
/// Who may call: on a loopback-bound server only requests addressed to localhost, 127.0.0.1 or [::1] (a web page
/// cannot reach it through a rebound DNS name); with API keys configured, only calls carrying
/// <c>authorization: Bearer KEY</c> of one of them (Temporal Cloud's API-key scheme).
/// </summary>
internal sealed class AccessInterceptor(TemporalServerOptions options) : Interceptor
{
    private readonly byte[][] _keys = [.. options.ApiKeys.Select(k => SHA256.HashData(Encoding.UTF8.GetBytes(k)))];

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (options.IsLoopback && !IsLoopbackAuthority(context.GetHttpContext().Request.Host.Host))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"host '{context.Host}' is not allowed: this server listens on loopback and accepts only localhost, 127.0.0.1 or [::1] (DNS rebinding protection)"));
        }

        if (_keys.Length > 0 && !HasValidKey(context.RequestHeaders.GetValue("authorization")))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "missing or invalid API key: send the metadata 'authorization: Bearer <key>' (TEMPORAL_API_KEY)"));
        }

        return continuation(request, context);
    }

    private static bool IsLoopbackAuthority(string host) =>
        host is "127.0.0.1" or "[::1]" || string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase);

    private bool HasValidKey(string? header)
    {
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        // Compare digests in fixed time, so neither the key nor its length leaks through timing.
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(header[7..].Trim()));
        var valid = false;
        foreach (var key in _keys)
        {
            valid |= CryptographicOperations.FixedTimeEquals(presented, key);
        }

        return valid;
    }
}
