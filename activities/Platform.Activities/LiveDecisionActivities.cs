using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Platform.Domain;
using Platform.Domain.MarketData;
using Platform.Domain.Models;
using Platform.Kafka;
using Platform.LiveTrading;
using Platform.Workflows;
using Temporalio.Activities;
using Temporalio.Exceptions;

namespace Platform.Activities;

/// <summary>
/// The live decision activities: the feature service and the decision service, each held until cancelled, heartbeating
/// every second. Both rebuild from Kafka and the market store when they start, so an attempt that takes over from a dead
/// worker continues exactly where the committed record ends. The decision activity follows the version the workflow was
/// asked for (a swap signal) and reports its status to the workflow.
/// </summary>
public sealed class LiveDecisionActivities(KafkaCluster kafka, IMarketDataStore store, IModelLoader models, ILoggerFactory? loggers = null) : ILiveDecisionActivities
{
    private static readonly TimeSpan HeartbeatEvery = TimeSpan.FromSeconds(1);
    private readonly ILoggerFactory loggerFactory = loggers ?? NullLoggerFactory.Instance;

    [Activity("RunFeatureService")]
    public async Task RunFeatureServiceAsync(LiveDecisionActivityInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var context = ActivityExecutionContext.Current;
        var cancellation = context.CancellationToken;
        FeatureServiceOptions options;
        using (var model = await LoadAsync(input, input.ModelVersion, cancellation).ConfigureAwait(false))
        {
            options = new FeatureServiceOptions
            {
                Spec = model.FeatureSpec,
                Symbol = input.Symbol,
                // The decision service warms its window with the rows before the first bar it trades.
                EmitFrom = input.TradeFrom - (KlineInterval.OneHour.Length * (2 * model.FeatureSpec.WindowLength)),
            };
        }

        using var service = new KafkaFeatureService(kafka, store, options, loggerFactory.CreateLogger<KafkaFeatureService>());
        var run = Task.Run(() => service.RunAsync(cancellation), CancellationToken.None);
        while (!run.IsCompleted)
        {
            await Task.WhenAny(run, Task.Delay(HeartbeatEvery, CancellationToken.None)).ConfigureAwait(false);
            var stats = service.Stats;
            context.Heartbeat(stats.Rows, stats.LastRow);
        }

        await EndedAsync(run, "feature", cancellation).ConfigureAwait(false);
    }

    [Activity("RunDecisionService")]
    public async Task RunDecisionServiceAsync(LiveDecisionActivityInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var context = ActivityExecutionContext.Current;
        var cancellation = context.CancellationToken;
        var reference = Parse(input.Model);
        using var model = await LoadAsync(input, input.ModelVersion, cancellation).ConfigureAwait(false);
        var options = new DecisionServiceOptions
        {
            Symbol = input.Symbol,
            TradeFrom = input.TradeFrom ?? DateTimeOffset.MinValue,
            Follow = reference.Alias is not null ? reference : null,
        };
        using var service = new KafkaDecisionService(kafka, model, options, loader: models, logger: loggerFactory.CreateLogger<KafkaDecisionService>());
        var workflow = context.TemporalClient.GetWorkflowHandle<LiveDecisionWorkflow>(input.WorkflowId);
        var run = Task.Run(() => service.RunAsync(cancellation), CancellationToken.None);
        var following = input.ModelVersion;
        var nextReport = DateTimeOffset.UtcNow;
        while (!run.IsCompleted)
        {
            await Task.WhenAny(run, Task.Delay(HeartbeatEvery, CancellationToken.None)).ConfigureAwait(false);
            var status = service.Status;
            context.Heartbeat(status.Decisions, status.LastRow);
            following = await FollowRequestedVersionAsync(workflow, service, input, following, cancellation).ConfigureAwait(false);
            if (DateTimeOffset.UtcNow >= nextReport)
            {
                nextReport = DateTimeOffset.UtcNow.AddSeconds(input.StatusReportSeconds);
                await ReportAsync(workflow, status).ConfigureAwait(false);
            }
        }

        await EndedAsync(run, "decision", cancellation).ConfigureAwait(false);
    }

    internal static ModelReference Parse(string model)
    {
        try
        {
            return ModelReference.Parse(model);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            throw new ApplicationFailureException(e.Message, InvalidRequestException.ErrorType, nonRetryable: true);
        }
    }

    /// <summary>A swap signal names a version of the same registered model: the service decides the next row with it.</summary>
    private async Task<string?> FollowRequestedVersionAsync(Temporalio.Client.WorkflowHandle<LiveDecisionWorkflow> workflow, KafkaDecisionService service, LiveDecisionActivityInput input, string? following, CancellationToken cancellation)
    {
        LiveDecisionWorkflow.LiveStatus status;
        try
        {
            status = await workflow.QueryAsync(wf => wf.Status).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RpcException or WorkflowQueryFailedException or InvalidOperationException)
        {
            // The workflow is briefly unreachable: the service keeps deciding with its model and the registry poll.
            LiveDecisionLog.QueryFailed(loggerFactory.CreateLogger<LiveDecisionActivities>(), e.Message);
            return following;
        }

        if (status.RequestedVersion is not { } version || version == following)
        {
            return following;
        }

        if (version != service.Model.Identity.Version)
        {
            var swap = status.Swaps.LastOrDefault(s => s.Version == version);
            var next = await LoadAsync(input, version, cancellation).ConfigureAwait(false);
            service.RequestSwap(next, swap is null ? $"swap to v{version}" : $"{swap.Reason} (by {swap.By})");
        }

        return version;
    }

    private Task<ITradingModel> LoadAsync(LiveDecisionActivityInput input, string? version, CancellationToken cancellation) =>
        LoadModelAsync(models, input.Model, version, cancellation);

    /// <summary>The model a live activity trades: <paramref name="model"/>, or the given version of the same registered model.</summary>
    internal static async Task<ITradingModel> LoadModelAsync(IModelLoader models, string model, string? version, CancellationToken cancellation)
    {
        var reference = Parse(model);
        if (version is not null && reference.Name is { } name)
        {
            reference = ModelReference.Registered(name, null, version);
        }

        try
        {
            return await models.LoadAsync(reference, cancellation).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ArgumentException or InvalidRequestException)
        {
            throw new ApplicationFailureException(e.Message, InvalidRequestException.ErrorType, nonRetryable: true);
        }
    }

    private async Task ReportAsync(Temporalio.Client.WorkflowHandle<LiveDecisionWorkflow> workflow, DecisionServiceStatus status)
    {
        var last = status.LastDecision;
        var lag = status.LastRow is { } row ? (DateTimeOffset.UtcNow - (row + KlineInterval.OneHour.Length)).TotalSeconds : (double?)null;
        var report = new LiveDecisionReport(status.LastRow, last?.DecisionId, last?.Action.ToString().ToLowerInvariant(), status.Model.Version ?? "file", status.Decisions, status.Swaps.Count, lag, DateTimeOffset.UtcNow);
        try
        {
            await workflow.SignalAsync(wf => wf.ReportStatusAsync(report)).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException)
        {
            // Status is informational: a failed report must not stop decisions (the next one follows in seconds).
            LiveDecisionLog.ReportFailed(loggerFactory.CreateLogger<LiveDecisionActivities>(), e.Message);
        }
    }

    internal static async Task EndedAsync(Task run, string service, CancellationToken cancellation)
    {
        try
        {
            await run.ConfigureAwait(false);
        }
        catch (InvalidRequestException e)
        {
            throw new ApplicationFailureException(e.Message, InvalidRequestException.ErrorType, nonRetryable: true);
        }

        // A service returns only when cancelled: report it as the cancellation it is.
        cancellation.ThrowIfCancellationRequested();
        throw new ApplicationFailureException($"the {service} service ended without being cancelled", "LiveDecisionsEnded");
    }
}

internal static partial class LiveDecisionLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Live decision status report to the workflow failed: {Reason}")]
    public static partial void ReportFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Querying the live decision workflow for a model swap failed: {Reason}")]
    public static partial void QueryFailed(ILogger logger, string reason);
}
