using System.Diagnostics;
using System.Globalization;
using Platform.Domain;
using Platform.Worker;
using Temporalio.Client;
using Temporalio.Exceptions;

namespace Platform.Cli;

/// <summary>
/// Every CLI call to Temporal goes through here: a short outage of the server (restart, failover, network blip)
/// answers Unavailable, and the call is retried with exponential backoff (0.5 s doubling to 5 s) for up to
/// <see cref="RetryBudget"/>, saying on stderr what it waits for. Other errors pass through unchanged.
/// </summary>
internal static class TemporalCalls
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan LongestDelay = TimeSpan.FromSeconds(5);
    private static readonly string[] ConnectionProblemSigns = ["code: Unavailable", "transport error", "connect error", "h2 protocol error", "Connection refused", "connection reset"];

    /// <summary>How long a call keeps retrying (PLATFORM_TEMPORAL_RETRY_SECONDS, default 120).</summary>
    public static TimeSpan RetryBudget =>
        int.TryParse(Environment.GetEnvironmentVariable("PLATFORM_TEMPORAL_RETRY_SECONDS"), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.FromSeconds(120);

    /// <summary>The Temporal server the CLI talks to (TEMPORAL_ADDRESS and the other TEMPORAL_* variables).</summary>
    public static TemporalEndpoint Connection() => new TemporalEndpoint().WithEnvironment();

    /// <summary>Connects (retrying while the server is unreachable) with the tracing interceptor.</summary>
    public static async Task<TemporalClient> ConnectAsync(CancellationToken cancellationToken = default)
    {
        var connection = Connection();
        var options = connection.ToConnectOptions();
        options.Interceptors = [new Platform.Telemetry.TemporalTracingInterceptor()];
        try
        {
            return await RetryAsync($"connect to {connection.Address}", () => TemporalClient.ConnectAsync(options), cancellationToken, retryConnectFailures: true);
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException)
        {
            throw new InvalidRequestException($"cannot reach Temporal at {connection.Address} ({e.Message}); start the platform with ./platform up or set TEMPORAL_ADDRESS");
        }
    }

    /// <summary>
    /// Start options for a workflow whose id is new: a start retried after a lost answer finds the run it started
    /// (UseExisting) instead of failing as "already started".
    /// </summary>
    public static WorkflowOptions StartOptions(string id, string taskQueue = Platform.Workflows.TaskQueues.Lifecycle) =>
        new(id, taskQueue) { IdConflictPolicy = Temporalio.Api.Enums.V1.WorkflowIdConflictPolicy.UseExisting };

    /// <summary>Runs <paramref name="call"/>, retrying on Unavailable; <paramref name="waitingFor"/> says what for.</summary>
    public static Task RetryAsync(string waitingFor, Func<Task> call, CancellationToken cancellationToken) =>
        RetryAsync(waitingFor, async () => { await call(); return true; }, cancellationToken);

    /// <inheritdoc cref="RetryAsync(string, Func{Task}, CancellationToken)"/>
    public static async Task<T> RetryAsync<T>(string waitingFor, Func<Task<T>> call, CancellationToken cancellationToken, bool retryConnectFailures = false)
    {
        ArgumentNullException.ThrowIfNull(call);
        var budget = RetryBudget;
        var elapsed = Stopwatch.StartNew();
        var delay = FirstDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Exception e) when (IsTransient(e, retryConnectFailures) && elapsed.Elapsed + delay <= budget)
            {
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Temporal is unavailable ({Reason(e)}); waiting to {waitingFor}: retry {attempt} in {delay.TotalSeconds:0.0} s (giving up after {budget.TotalSeconds:0} s)"));
                await Task.Delay(delay, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, LongestDelay.Ticks));
            }
        }
    }

    /// <summary>
    /// Unavailable (server unreachable) and a connection torn down under a call in flight (gRPC Unknown "transport
    /// error" / "h2 protocol error", as the server stops) are transient; every call retried here is idempotent.
    /// </summary>
    private static bool IsTransient(Exception e, bool connectFailures) => e switch
    {
        RpcException { Code: RpcException.StatusCode.Unavailable } => true,
        RpcException { Code: RpcException.StatusCode.Unknown } rpc => IsConnectionProblem(rpc.Message),

        // ConnectAsync reports failures as "Connection failed: ..." with the gRPC status inside: an unreachable server
        // is worth waiting for, a refused API key or certificate is not.
        InvalidOperationException => connectFailures && IsConnectionProblem(e.Message),
        _ => false,
    };

    private static bool IsConnectionProblem(string message) =>
        !message.Contains("Unauthenticated", StringComparison.Ordinal) && !message.Contains("PermissionDenied", StringComparison.Ordinal)
        && ConnectionProblemSigns.Any(sign => message.Contains(sign, StringComparison.OrdinalIgnoreCase));

    private static string Reason(Exception e) => e.Message.Split('\n')[0].Trim();
}
