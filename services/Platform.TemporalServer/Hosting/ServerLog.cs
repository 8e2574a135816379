using Platform.TemporalServer.Engine;

namespace Platform.TemporalServer.Hosting;

/// <summary>The server's structured log messages.</summary>
internal static partial class ServerLog
{
    [LoggerMessage(1, LogLevel.Information, "Temporal-compatible server listening on {Ip}:{Port}")]
    public static partial void Listening(ILogger logger, string ip, int port);

    [LoggerMessage(2, LogLevel.Information, "Recovered {Runs} runs and {Schedules} schedules from the store")]
    public static partial void Recovered(ILogger logger, int runs, int schedules);

    [LoggerMessage(3, LogLevel.Error, "Processing timers failed; retrying")]
    public static partial void TimerProcessingFailed(ILogger logger, Exception exception);

    [LoggerMessage(4, LogLevel.Warning, "Due item {Kind} for {Id} failed")]
    public static partial void DueItemFailed(ILogger logger, DueKind kind, string id, Exception exception);

    [LoggerMessage(5, LogLevel.Debug, "{Method} answered {Status}: {Detail}")]
    public static partial void RpcFailed(ILogger logger, string method, global::Grpc.Core.StatusCode status, string detail);

    [LoggerMessage(6, LogLevel.Error, "{Method} failed unexpectedly")]
    public static partial void RpcCrashed(ILogger logger, string method, Exception exception);
}
