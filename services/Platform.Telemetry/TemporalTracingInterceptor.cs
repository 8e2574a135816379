using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Context.Propagation;
using Temporalio.Api.Common.V1;
using Temporalio.Client.Interceptors;
using Temporalio.Converters;
using Temporalio.Worker.Interceptors;
using Temporalio.Workflows;

namespace Platform.Telemetry;

/// <summary>
/// OpenTelemetry tracing for Temporal clients and workers, following Temporal's conventions so traces join across
/// processes and SDKs: spans <c>StartWorkflow:&lt;type&gt;</c>, <c>SignalWorkflow:&lt;name&gt;</c>,
/// <c>RunWorkflow:&lt;type&gt;</c>, <c>StartActivity:&lt;type&gt;</c>, <c>RunActivity:&lt;type&gt;</c>; W3C trace context
/// carried in the <c>_tracer-data</c> header as a JSON map. Workflow spans are only recorded when the workflow is not
/// replaying, and end at once (a workflow can outlive any process), serving as parents for what the workflow starts.
/// </summary>
public sealed class TemporalTracingInterceptor : IClientInterceptor, IWorkerInterceptor
{
    public const string HeaderKey = "_tracer-data";
    public const string SourceName = "Platform.Temporal";

    public static ActivitySource Source { get; } = new(SourceName);

    // W3C trace context and baggage, as Temporal's other SDKs use; explicit so it works before any SDK set-up.
    private static readonly TextMapPropagator Propagator = new CompositeTextMapPropagator([new TraceContextPropagator(), new BaggagePropagator()]);

    public ClientOutboundInterceptor InterceptClient(ClientOutboundInterceptor nextInterceptor) => new ClientOutbound(nextInterceptor);

    public WorkflowInboundInterceptor InterceptWorkflow(WorkflowInboundInterceptor nextInterceptor) => new WorkflowInbound(nextInterceptor);

    public ActivityInboundInterceptor InterceptActivity(ActivityInboundInterceptor nextInterceptor) => new ActivityInbound(nextInterceptor);

    /// <summary>Adds the trace context of <paramref name="context"/> to a copy of <paramref name="headers"/>.</summary>
    public static Dictionary<string, Payload> Inject(IEnumerable<KeyValuePair<string, Payload>>? headers, ActivityContext context)
    {
        var carrier = new Dictionary<string, string>();
        Propagator.Inject(new PropagationContext(context, Baggage.Current), carrier, static (c, key, value) => c[key] = value);
        var result = headers?.ToDictionary(h => h.Key, h => h.Value) ?? [];
        result[HeaderKey] = DataConverter.Default.PayloadConverter.ToPayload(carrier);
        return result;
    }

    /// <summary>The trace context carried in <paramref name="headers"/>, or default when there is none.</summary>
    public static ActivityContext Extract(IEnumerable<KeyValuePair<string, Payload>>? headers)
    {
        var payload = headers?.FirstOrDefault(h => h.Key == HeaderKey).Value;
        if (payload is null)
        {
            return default;
        }

        var carrier = DataConverter.Default.PayloadConverter.ToValue<Dictionary<string, string>>(payload);
        var propagation = Propagator.Extract(default, carrier, static (c, key) => c.TryGetValue(key, out var v) ? [v] : []);
        return propagation.ActivityContext;
    }

    private static ActivityContext Current => Activity.Current?.Context ?? default;

    private sealed class ClientOutbound(ClientOutboundInterceptor next) : ClientOutboundInterceptor(next)
    {
        public override async Task<Temporalio.Client.WorkflowHandle<TWorkflow, TResult>> StartWorkflowAsync<TWorkflow, TResult>(StartWorkflowInput input)
        {
            using var span = Source.StartActivity($"StartWorkflow:{input.Workflow}", ActivityKind.Client);
            span?.SetTag("temporalWorkflowID", input.Options.Id);
            return await base.StartWorkflowAsync<TWorkflow, TResult>(input with { Headers = Inject(input.Headers, span?.Context ?? Current) });
        }

        public override async Task SignalWorkflowAsync(SignalWorkflowInput input)
        {
            using var span = Source.StartActivity($"SignalWorkflow:{input.Signal}", ActivityKind.Client);
            span?.SetTag("temporalWorkflowID", input.Id);
            await base.SignalWorkflowAsync(input with { Headers = Inject(input.Headers, span?.Context ?? Current) });
        }

        public override async Task<TResult> QueryWorkflowAsync<TResult>(QueryWorkflowInput input)
        {
            using var span = Source.StartActivity($"QueryWorkflow:{input.Query}", ActivityKind.Client);
            span?.SetTag("temporalWorkflowID", input.Id);
            return await base.QueryWorkflowAsync<TResult>(input with { Headers = Inject(input.Headers, span?.Context ?? Current) });
        }

        public override async Task<Temporalio.Client.WorkflowUpdateHandle<TResult>> StartWorkflowUpdateAsync<TResult>(StartWorkflowUpdateInput input)
        {
            using var span = Source.StartActivity($"StartWorkflowUpdate:{input.Update}", ActivityKind.Client);
            span?.SetTag("temporalWorkflowID", input.Id);
            return await base.StartWorkflowUpdateAsync<TResult>(input with { Headers = Inject(input.Headers, span?.Context ?? Current) });
        }
    }

    private sealed class WorkflowInbound(WorkflowInboundInterceptor next) : WorkflowInboundInterceptor(next)
    {
        private ActivityContext workflowContext;

        public override void Init(WorkflowOutboundInterceptor outbound) => base.Init(new WorkflowOutbound(outbound, () => workflowContext));

        public override Task<object?> ExecuteWorkflowAsync(ExecuteWorkflowInput input)
        {
            workflowContext = Extract(Workflow.Info.Headers);
            if (!Workflow.Unsafe.IsReplaying)
            {
                using var span = Source.StartActivity($"RunWorkflow:{Workflow.Info.WorkflowType}", ActivityKind.Server, workflowContext);
                span?.SetTag("temporalWorkflowID", Workflow.Info.WorkflowId);
                span?.SetTag("temporalRunID", Workflow.Info.RunId);
                if (span is not null)
                {
                    workflowContext = span.Context;
                }
            }

            return base.ExecuteWorkflowAsync(input);
        }

        public override Task HandleSignalAsync(HandleSignalInput input)
        {
            if (!Workflow.Unsafe.IsReplaying)
            {
                using var span = Source.StartActivity($"HandleSignal:{input.Signal}", ActivityKind.Server, Extract(input.Headers));
                span?.SetTag("temporalWorkflowID", Workflow.Info.WorkflowId);
            }

            return base.HandleSignalAsync(input);
        }

        public override Task<object?> HandleUpdateAsync(HandleUpdateInput input)
        {
            if (!Workflow.Unsafe.IsReplaying)
            {
                using var span = Source.StartActivity($"HandleUpdate:{input.Update}", ActivityKind.Server, Extract(input.Headers));
                span?.SetTag("temporalWorkflowID", Workflow.Info.WorkflowId);
            }

            return base.HandleUpdateAsync(input);
        }
    }

    private sealed class WorkflowOutbound(WorkflowOutboundInterceptor next, Func<ActivityContext> parent) : WorkflowOutboundInterceptor(next)
    {
        public override Task<TResult> ScheduleActivityAsync<TResult>(ScheduleActivityInput input) =>
            base.ScheduleActivityAsync<TResult>(input with { Headers = Inject(input.Headers, Span($"StartActivity:{input.Activity}")) });

        public override Task<ChildWorkflowHandle<TWorkflow, TResult>> StartChildWorkflowAsync<TWorkflow, TResult>(StartChildWorkflowInput input) =>
            base.StartChildWorkflowAsync<TWorkflow, TResult>(input with { Headers = Inject(input.Headers, Span($"StartChildWorkflow:{input.Workflow}")) });

        /// <summary>Records a finished span when not replaying; the context to hand on either way.</summary>
        private ActivityContext Span(string name)
        {
            if (Workflow.Unsafe.IsReplaying)
            {
                return parent();
            }

            using var span = Source.StartActivity(name, ActivityKind.Client, parent());
            span?.SetTag("temporalWorkflowID", Workflow.Info.WorkflowId);
            return span?.Context ?? parent();
        }
    }

    private sealed class ActivityInbound(ActivityInboundInterceptor next) : ActivityInboundInterceptor(next)
    {
        public override async Task<object?> ExecuteActivityAsync(ExecuteActivityInput input)
        {
            var info = Temporalio.Activities.ActivityExecutionContext.Current.Info;
            using var span = Source.StartActivity($"RunActivity:{info.ActivityType}", ActivityKind.Server, Extract(input.Headers));
            span?.SetTag("temporalWorkflowID", info.WorkflowId);
            span?.SetTag("temporalActivityID", info.ActivityId);
            try
            {
                return await base.ExecuteActivityAsync(input);
            }
            catch (Exception e)
            {
                span?.SetStatus(ActivityStatusCode.Error, e.Message);
                throw;
            }
        }
    }
}
