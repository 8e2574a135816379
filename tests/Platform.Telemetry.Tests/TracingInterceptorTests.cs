using System.Diagnostics;
using Temporalio.Client;
using Temporalio.Client.Interceptors;

namespace Platform.Telemetry.Tests;

public sealed class TracingInterceptorTests : IDisposable
{
    private readonly List<Activity> spans = [];
    private readonly ActivityListener listener;

    public TracingInterceptorTests()
    {
        listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == TemporalTracingInterceptor.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
    }

    public void Dispose() => listener.Dispose();

    [Fact]
    public async Task StartWorkflow_WithTracing_SpanNamedByConventionAndContextInHeader()
    {
        // The recording interceptor sits inside the tracing one and answers instead of the server.
        var terminal = new RecordingInterceptor();
        var client = TemporalClient.CreateLazy(new TemporalClientConnectOptions("127.0.0.1:9") { Interceptors = [new TemporalTracingInterceptor(), terminal] });

        await client.StartWorkflowAsync("TrainingWorkflow", [], new WorkflowOptions("wf-1", "queue"));

        var span = Assert.Single(spans, s => s.DisplayName == "StartWorkflow:TrainingWorkflow");
        Assert.Equal(ActivityKind.Client, span.Kind);
        Assert.Equal("wf-1", span.GetTagItem("temporalWorkflowID"));
        var carried = TemporalTracingInterceptor.Extract(terminal.Headers);
        Assert.Equal(span.TraceId, carried.TraceId);
        Assert.Equal(span.SpanId, carried.SpanId);
    }

    [Fact]
    public void InjectExtract_RoundTrip_KeepsOtherHeaders()
    {
        var context = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        var other = Temporalio.Converters.DataConverter.Default.PayloadConverter.ToPayload("x");

        var headers = TemporalTracingInterceptor.Inject(new Dictionary<string, Temporalio.Api.Common.V1.Payload> { ["mine"] = other }, context);

        Assert.Equal(context.TraceId, TemporalTracingInterceptor.Extract(headers).TraceId);
        Assert.Same(other, headers["mine"]);
        Assert.Equal(default, TemporalTracingInterceptor.Extract(null));
    }

    private sealed class RecordingInterceptor : IClientInterceptor
    {
        public IDictionary<string, Temporalio.Api.Common.V1.Payload>? Headers { get; set; }

        public ClientOutboundInterceptor InterceptClient(ClientOutboundInterceptor nextInterceptor) => new Outbound(this, nextInterceptor);

        private sealed class Outbound(RecordingInterceptor owner, ClientOutboundInterceptor next) : ClientOutboundInterceptor(next)
        {
            public override Task<WorkflowHandle<TWorkflow, TResult>> StartWorkflowAsync<TWorkflow, TResult>(StartWorkflowInput input)
            {
                owner.Headers = input.Headers;
                return Task.FromResult<WorkflowHandle<TWorkflow, TResult>>(null!);
            }
        }
    }
}
