using Platform.TemporalServer.Tests;
using System.Collections.Concurrent;
using System.Diagnostics;
using Platform.Activities;
using Platform.Telemetry;
using Platform.TestSupport;
using Temporalio.Client;
using Temporalio.Worker;

namespace Platform.Workflows.Tests;

[Collection(ServerGroup.Name)]
public sealed class TracingTests(ServerFixture temporal) : IAsyncLifetime
{
    private readonly LifecycleFixture lifecycle = new();

    public Task InitializeAsync() => lifecycle.InitializeAsync();

    public Task DisposeAsync() => lifecycle.DisposeAsync();

    [Fact]
    public async Task Training_WithTracingInterceptor_OneTraceFromClientThroughWorkflowAndActivityToMlflow()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name.StartsWith(PlatformTelemetry.SourcePrefix, StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        var tracing = new TemporalTracingInterceptor();
        var options = (TemporalClientOptions)temporal.Client.Options.Clone();
        options.Interceptors = [tracing];
        var client = new TemporalClient(temporal.Client.Connection, options);
        var queue = $"tq-{Guid.NewGuid():N}";
        using var worker = new TemporalWorker(client, new TemporalWorkerOptions(queue)
            .AddWorkflow<TrainingWorkflow>()
            .AddAllActivities<ITrainingActivities>(new TrainingActivities(lifecycle.Store, lifecycle.Mlflow, lifecycle.Paths))
            .AddAllActivities<IRegistryActivities>(new RegistryActivities(lifecycle.Mlflow)));
        var start = new DateTimeOffset(2022, 10, 8, 0, 0, 0, TimeSpan.Zero);
        var request = new TrainingWorkflow.Request("wf-traced", "BTCUSDT", start, start.AddDays(14), start.AddDays(14), start.AddDays(21), 0.001m, ["linear"], new TrainingHyperparameters(MaxEpochs: 1, HiddenSize: 8));

        await worker.ExecuteAsync(() => client.ExecuteWorkflowAsync((TrainingWorkflow w) => w.RunAsync(request), new WorkflowOptions($"traced-{Guid.NewGuid():N}", queue)));

        var root = Assert.Single(spans, s => s.DisplayName == "StartWorkflow:TrainingWorkflow");
        var trace = spans.Where(s => s.TraceId == root.TraceId).ToList();
        Assert.Contains(trace, s => s.DisplayName == "RunWorkflow:TrainingWorkflow");
        Assert.Contains(trace, s => s.DisplayName == "StartActivity:TrainModel");
        var run = Assert.Single(trace, s => s.DisplayName == "RunActivity:TrainModel");
        Assert.Contains(trace, s => s.DisplayName.StartsWith("mlflow ", StringComparison.Ordinal) && s.ParentSpanId != default && IsDescendant(s, run, trace));
        Assert.Contains(trace, s => s.DisplayName == "dqn.epoch" && IsDescendant(s, run, trace));
    }

    private static bool IsDescendant(Activity span, Activity ancestor, List<Activity> trace)
    {
        var byId = trace.ToDictionary(s => s.SpanId);
        for (var current = span; current is not null; current = byId.GetValueOrDefault(current.ParentSpanId))
        {
            if (current.SpanId == ancestor.SpanId)
            {
                return true;
            }
        }

        return false;
    }
}
