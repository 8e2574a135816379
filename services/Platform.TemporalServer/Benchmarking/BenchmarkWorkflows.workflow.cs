using System.Collections.Concurrent;
using Temporalio.Activities;
using Temporalio.Workflows;

namespace Platform.TemporalServer.Benchmarking;

/// <summary>Trivial activities: the benchmark measures the server and the SDK round trip, not work.</summary>
public sealed class BenchmarkActivities
{
    /// <summary>When each workflow's first activity started (workflow ID → timestamp).</summary>
    public ConcurrentDictionary<string, long> FirstActivityTimestamps { get; } = new(StringComparer.Ordinal);

    [Activity]
    public int Step(int value)
    {
        FirstActivityTimestamps.TryAdd(ActivityExecutionContext.Current.Info.WorkflowId ?? string.Empty, System.Diagnostics.Stopwatch.GetTimestamp());
        return value + 1;
    }
}

/// <summary>Runs <c>steps</c> activities one after another.</summary>
[Workflow]
public sealed class SequentialActivitiesWorkflow
{
    [WorkflowRun]
    public async Task<int> RunAsync(int steps)
    {
        var value = 0;
        for (var i = 0; i < steps; i++)
        {
            value = await Workflow.ExecuteActivityAsync((BenchmarkActivities a) => a.Step(value), new() { StartToCloseTimeout = TimeSpan.FromSeconds(30) });
        }

        return value;
    }
}
