using System.Globalization;
using Platform.Domain;
using Platform.Domain.Models;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace Platform.Workflows;

/// <summary>
/// Live decisions of one model alias on one symbol (<see cref="IdFor"/>), running until stopped: the feature service and
/// the decision service as two heartbeating activities. A dead worker's attempts time out and another worker's take over;
/// both services rebuild from Kafka and the market store, so no decision is lost or made twice. A swap signal (sent by
/// the promotion and rollback workflows when <c>champion</c> moves) reaches the running decision service, which decides
/// the next row with the new version; the run continues as new every day with the version it trades.
/// </summary>
[Workflow]
public sealed class LiveDecisionWorkflow
{
    private readonly List<ModelSwapRequest> swaps = [];
    private string? requestedVersion;
    private string? stopReason;
    private int restarts;
    private LiveDecisionReport? report;
    private Request request = new();

    /// <param name="HeartbeatTimeoutSeconds">How long a silent attempt is trusted before another worker takes over.</param>
    /// <param name="ContinueAsNewAfterHours">Length of one run before it continues as new (a day by default).</param>
    public sealed record Request(
        string Model = "models:/btcusdt-dqn@champion",
        string Symbol = "BTCUSDT",
        DateTimeOffset? TradeFrom = null,
        int HeartbeatTimeoutSeconds = 30,
        int StatusReportSeconds = 5,
        double ContinueAsNewAfterHours = 24,
        string? ModelVersion = null,
        LiveDecisionReport? LastReport = null);

    public sealed record Result(string StoppedBecause, int Swaps, LiveDecisionReport? LastReport);

    /// <summary>Decide the next rows with <paramref name="Version"/> of the model (the champion moved to it).</summary>
    public sealed record ModelSwapRequest(string Version, string Reason, string By);

    /// <summary>The query's answer: configuration, the version asked for, the swaps of this run and the latest report.</summary>
    public sealed record LiveStatus(string Model, string Symbol, string? RequestedVersion, IReadOnlyList<ModelSwapRequest> Swaps, int Restarts, bool Stopping, LiveDecisionReport? Report);

    [WorkflowQuery]
    public LiveStatus Status => new(request.Model, request.Symbol, requestedVersion, swaps, restarts, stopReason is not null, report);

    /// <summary>The workflow id of the live decisions of <paramref name="modelName"/>@<paramref name="alias"/> on <paramref name="symbol"/>.</summary>
    public static string IdFor(string modelName, string alias, string symbol) =>
        string.Create(CultureInfo.InvariantCulture, $"live-decisions-{modelName}@{alias}-{symbol.ToUpperInvariant()}");

    /// <summary>
    /// From another workflow: tells the live decisions of <paramref name="modelName"/>@champion on <paramref name="symbol"/>
    /// that the champion is now <paramref name="version"/>. None running is fine (nothing trades it; a service started
    /// later loads the alias, and a running one polls the registry as well).
    /// </summary>
    public static async Task SignalChampionMovedAsync(string modelName, string symbol, string version, string reason, string by)
    {
        var handle = Workflow.GetExternalWorkflowHandle<LiveDecisionWorkflow>(IdFor(modelName, ModelAliases.Champion, symbol));
        try
        {
            await handle.SignalAsync(wf => wf.SwapModelAsync(new ModelSwapRequest(version, reason, by)));
        }
        catch (FailureException)
        {
            // No live decisions of this model and symbol are running.
        }
    }

    [WorkflowRun]
    public async Task<Result> RunAsync(Request input)
    {
        ArgumentNullException.ThrowIfNull(input);
        request = input;
        report = input.LastReport;
        requestedVersion = input.ModelVersion;
        var problem = Problem(input);
        if (problem is not null)
        {
            throw new ApplicationFailureException(problem, InvalidRequestException.ErrorType, nonRetryable: true);
        }

        var runEnds = Workflow.UtcNow + TimeSpan.FromHours(input.ContinueAsNewAfterHours);
        while (true)
        {
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(Workflow.CancellationToken);
            var activityInput = new LiveDecisionActivityInput(Workflow.Info.WorkflowId, input.Model, input.Symbol.ToUpperInvariant(), input.TradeFrom, requestedVersion, input.StatusReportSeconds);
            var options = new ActivityOptions
            {
                // The activities run until cancelled; the heartbeat timeout, not this, detects a dead worker.
                StartToCloseTimeout = TimeSpan.FromHours(input.ContinueAsNewAfterHours) + TimeSpan.FromHours(1),
                HeartbeatTimeout = TimeSpan.FromSeconds(input.HeartbeatTimeoutSeconds),
                RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromSeconds(1), MaximumInterval = TimeSpan.FromSeconds(30), NonRetryableErrorTypes = [InvalidRequestException.ErrorType] },
                CancellationToken = attempt.Token,
                CancellationType = ActivityCancellationType.WaitCancellationCompleted,
            };
            var features = Workflow.ExecuteActivityAsync((ILiveDecisionActivities a) => a.RunFeatureServiceAsync(activityInput), options);
            var decisions = Workflow.ExecuteActivityAsync((ILiveDecisionActivities a) => a.RunDecisionServiceAsync(activityInput), options);
            var remaining = runEnds - Workflow.UtcNow;
            var stopping = Workflow.WaitConditionAsync(() => stopReason is not null, remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, attempt.Token);
            var first = await Workflow.WhenAnyAsync(features, decisions, stopping);
            if (first != stopping)
            {
                // Only a non-retryable failure ends an activity: stop the other and surface it as the workflow's failure.
                attempt.Cancel();
                await ActivityCancellation.AwaitCancelledAsync(first == features ? decisions : features);
                await first;
                throw new ApplicationFailureException("a live decision activity completed, which it never does on its own", "LiveDecisionsEnded", nonRetryable: true);
            }

            var dayOver = !await stopping;
            // Cancel, not CancelAsync: the workflow must stay on its deterministic scheduler.
            attempt.Cancel();
            await ActivityCancellation.AwaitCancelledAsync(features);
            await ActivityCancellation.AwaitCancelledAsync(decisions);
            if (stopReason is not null)
            {
                return new Result(stopReason, swaps.Count, report);
            }

            if (dayOver)
            {
                var next = input with { ModelVersion = requestedVersion, LastReport = report };
                throw Workflow.CreateContinueAsNewException((LiveDecisionWorkflow wf) => wf.RunAsync(next));
            }

            restarts++;
        }
    }

    /// <summary>The champion moved: the running decision service decides the next row with this version.</summary>
    [WorkflowSignal]
    public Task SwapModelAsync(ModelSwapRequest swap)
    {
        if (swap is { Version.Length: > 0 } && swap.Version != requestedVersion)
        {
            requestedVersion = swap.Version;
            swaps.Add(swap);
        }

        return Task.CompletedTask;
    }

    /// <summary>Sent by the running decision activity every few seconds.</summary>
    [WorkflowSignal]
    public Task ReportStatusAsync(LiveDecisionReport status)
    {
        report = status;
        return Task.CompletedTask;
    }

    /// <summary>Stops live decisions: both activities are cancelled (what they committed stays) and the workflow completes.</summary>
    [WorkflowSignal]
    public Task StopAsync(string reason)
    {
        stopReason = string.IsNullOrWhiteSpace(reason) ? "stopped" : reason;
        return Task.CompletedTask;
    }

    private static string? Problem(Request input)
    {
        if (string.IsNullOrWhiteSpace(input.Symbol) || string.IsNullOrWhiteSpace(input.Model))
        {
            return "live decisions need a model reference and a symbol";
        }

        try
        {
            ModelReference.Parse(input.Model);
        }
        catch (Exception e) when (e is ArgumentException or InvalidRequestException or FormatException)
        {
            return e.Message;
        }

        return input.HeartbeatTimeoutSeconds < 1 || input.StatusReportSeconds < 1 || input.ContinueAsNewAfterHours <= 0
            ? "heartbeat timeout, status report interval and run length must be positive"
            : null;
    }
}
