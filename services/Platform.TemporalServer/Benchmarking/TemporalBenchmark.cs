using System.Diagnostics;
using Platform.TemporalServer.Hosting;
using Temporalio.Client;
using Temporalio.Worker;

namespace Platform.TemporalServer.Benchmarking;

/// <summary>Settings of the throughput/latency benchmark.</summary>
public sealed class BenchmarkOptions
{
    /// <summary>Workflows in flight at once (both phases).</summary>
    public int ConcurrentWorkflows { get; set; } = 20;

    /// <summary>Sequential activities per workflow in the round-trip phase.</summary>
    public int ActivitiesPerWorkflow { get; set; } = 50;

    /// <summary>Single-activity workflows in the completion/latency phase.</summary>
    public int Workflows { get; set; } = 300;

    /// <summary>SQLite file (durability on); a temporary file when null. Only for the embedded server.</summary>
    public string? DatabasePath { get; set; }

    /// <summary>host:port of an external Temporal server to measure instead of starting the embedded one.</summary>
    public string? Address { get; set; }

    /// <summary>Namespace on the external server.</summary>
    public string Namespace { get; set; } = "default";

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (ConcurrentWorkflows < 1 || ActivitiesPerWorkflow < 1 || Workflows < 1)
        {
            problems.Add("Benchmark counts must be positive.");
        }

        if (Address is not null && DatabasePath is not null)
        {
            problems.Add("A database file applies to the embedded server only; an external server (address) keeps its own.");
        }

        if (string.IsNullOrWhiteSpace(Namespace))
        {
            problems.Add("The namespace must not be empty.");
        }

        return problems;
    }
}

/// <summary>What the benchmark measured, and on which server (the embedded one's SQLite file, or "external host:port").</summary>
public sealed record BenchmarkResult(
    int ActivityRoundTrips, double ActivityRoundTripsPerSecond, int WorkflowCompletions, double WorkflowCompletionsPerSecond,
    TimeSpan StartToFirstActivityP50, TimeSpan StartToFirstActivityP99, string Server);

/// <summary>
/// Measures the embedded server (SQLite durability on) or an external one through the real SDK client and worker:
/// activity round trips per second, workflow completions per second and start-to-first-activity latency percentiles.
/// </summary>
public static class TemporalBenchmark
{
    public static async Task<BenchmarkResult> RunAsync(BenchmarkOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", problems), nameof(options));
        }

        if (options.Address is { } address)
        {
            var external = await TemporalClient.ConnectAsync(new(address) { Namespace = options.Namespace });
            return await MeasureAsync(external, options, $"external {address}", cancellationToken);
        }

        var temporaryDirectory = options.DatabasePath is null ? Directory.CreateTempSubdirectory("temporal-bench-").FullName : null;
        var databasePath = options.DatabasePath ?? Path.Combine(temporaryDirectory!, "bench.db");
        try
        {
            await using var host = await TemporalServerHost.StartAsync(new TemporalServerOptions { Port = 0, DatabasePath = databasePath }, cancellationToken: cancellationToken);
            return await MeasureAsync(await TemporalClient.ConnectAsync(new(host.TargetHost)), options, databasePath, cancellationToken);
        }
        finally
        {
            if (temporaryDirectory is not null)
            {
                Directory.Delete(temporaryDirectory, recursive: true);
            }
        }
    }

    private static async Task<BenchmarkResult> MeasureAsync(TemporalClient client, BenchmarkOptions options, string server, CancellationToken cancellationToken)
    {
        var activities = new BenchmarkActivities();
        var taskQueue = $"bench-{Guid.NewGuid():N}";
        using var worker = new TemporalWorker(client, new TemporalWorkerOptions(taskQueue)
        {
            MaxConcurrentActivities = 200,
            MaxConcurrentWorkflowTasks = 200,
        }.AddAllActivities(activities).AddWorkflow<SequentialActivitiesWorkflow>());
        return await worker.ExecuteAsync(async () =>
        {
            // Warm-up: first connections, JIT.
            await client.ExecuteWorkflowAsync((SequentialActivitiesWorkflow wf) => wf.RunAsync(2), new($"warmup-{Guid.NewGuid():N}", taskQueue));

            var roundTrips = options.ConcurrentWorkflows * options.ActivitiesPerWorkflow;
            var watch = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, options.ConcurrentWorkflows).Select(i =>
                client.ExecuteWorkflowAsync((SequentialActivitiesWorkflow wf) => wf.RunAsync(options.ActivitiesPerWorkflow), new($"rt-{i}-{Guid.NewGuid():N}", taskQueue))));
            var roundTripSeconds = watch.Elapsed.TotalSeconds;

            activities.FirstActivityTimestamps.Clear();
            var starts = new System.Collections.Concurrent.ConcurrentDictionary<string, long>(StringComparer.Ordinal);
            // Steady load (a fixed number in flight) so the latency is per workflow, not the queue of a burst.
            using var inFlight = new SemaphoreSlim(options.ConcurrentWorkflows);
            watch.Restart();
            await Task.WhenAll(Enumerable.Range(0, options.Workflows).Select(async i =>
            {
                await inFlight.WaitAsync(cancellationToken);
                try
                {
                    var id = $"wf-{i}-{Guid.NewGuid():N}";
                    starts[id] = Stopwatch.GetTimestamp();
                    var handle = await client.StartWorkflowAsync((SequentialActivitiesWorkflow wf) => wf.RunAsync(1), new(id, taskQueue));
                    await handle.GetResultAsync();
                }
                finally
                {
                    inFlight.Release();
                }
            }));
            var completionSeconds = watch.Elapsed.TotalSeconds;
            var latencies = starts
                .Select(s => activities.FirstActivityTimestamps.TryGetValue(s.Key, out var first) ? Stopwatch.GetElapsedTime(s.Value, first) : (TimeSpan?)null)
                .OfType<TimeSpan>().Order().ToList();
            return new BenchmarkResult(
                roundTrips, roundTrips / roundTripSeconds, options.Workflows, options.Workflows / completionSeconds,
                Percentile(latencies, 0.50), Percentile(latencies, 0.99), server);
        }, cancellationToken);
    }

    private static TimeSpan Percentile(List<TimeSpan> sorted, double quantile) =>
        sorted.Count == 0 ? TimeSpan.Zero : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(quantile * sorted.Count) - 1)];
}
