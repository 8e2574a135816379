using System.Globalization;
using Platform.Domain;
using Platform.Domain.Models;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace Platform.Workflows;

/// <summary>
/// Guarded trading of one model alias on one symbol (<see cref="IdFor"/>), running until stopped: the feature service
/// and the trading service (decisions with orders to the exchange behind the risk guard) as two heartbeating activities.
/// Updates pause and resume it (a person's name and reason each) and engage the kill switch; the status query answers
/// mode, position, P&amp;L, last order and risk state. A drawdown halt starts <see cref="RollbackWorkflow"/> (champion →
/// previous champion, audited there); a rolling Sharpe below the configured bound starts <see cref="RetrainingWorkflow"/>.
/// Each runs once per run of this workflow, which continues as new every day.
/// </summary>
[Workflow]
public sealed class TradingWorkflow
{
    public const string DrawdownRule = "max_drawdown";

    private readonly List<string> actions = [];
    private Request request = new();
    private TradingReport? report;
    private string? requestedVersion;
    private string? stopReason;
    private bool paused;
    private int restarts;
    private string? rollbackStarted;
    private string? retrainingStarted;

    /// <param name="Mode">paper (the simulator; default), testnet or live.</param>
    /// <param name="Exchange">The exchange's REST base URL; null: the mode's default.</param>
    /// <param name="ConfirmAccount">Live only: the account id the operator confirmed (the CLI's <c>--confirm-account</c>).</param>
    /// <param name="RollbackOnDrawdown">Start the rollback workflow when the drawdown rule halts trading.</param>
    /// <param name="RetrainBelowSharpe">Start <paramref name="Retraining"/> when the rolling Sharpe falls below this (null: never).</param>
    public sealed record Request(
        string Model = "models:/btcusdt-dqn@champion",
        string Symbol = "BTCUSDT",
        string Mode = "paper",
        string? Exchange = null,
        string? ConfirmAccount = null,
        DateTimeOffset? TradeFrom = null,
        int HeartbeatTimeoutSeconds = 30,
        int StatusReportSeconds = 5,
        double ContinueAsNewAfterHours = 24,
        bool RollbackOnDrawdown = true,
        double? RetrainBelowSharpe = null,
        RetrainingWorkflow.Request? Retraining = null,
        string? ModelVersion = null,
        bool Paused = false,
        TradingReport? LastReport = null);

    public sealed record Result(string StoppedBecause, IReadOnlyList<string> Actions, TradingReport? LastReport);

    /// <summary>A person's pause, resume or kill: both fields are required.</summary>
    public sealed record Control(string By, string Reason);

    public sealed record TradingStatus(
        string Model,
        string Symbol,
        string Mode,
        bool Paused,
        bool Stopping,
        int Restarts,
        IReadOnlyList<string> Actions,
        string? RollbackWorkflowId,
        string? RetrainingWorkflowId,
        TradingReport? Report);

    [WorkflowQuery]
    public TradingStatus Status => new(request.Model, request.Symbol, request.Mode, paused, stopReason is not null, restarts, actions, rollbackStarted, retrainingStarted, report);

    public static string IdFor(string modelName, string alias, string symbol) =>
        string.Create(CultureInfo.InvariantCulture, $"trading-{modelName}@{alias}-{symbol.ToUpperInvariant()}");

    [WorkflowRun]
    public async Task<Result> RunAsync(Request input)
    {
        ArgumentNullException.ThrowIfNull(input);
        request = input;
        report = input.LastReport;
        requestedVersion = input.ModelVersion;
        paused = input.Paused;
        if (Problem(input) is { } problem)
        {
            throw new ApplicationFailureException(problem, InvalidRequestException.ErrorType, nonRetryable: true);
        }

        var runEnds = Workflow.UtcNow + TimeSpan.FromHours(input.ContinueAsNewAfterHours);
        while (true)
        {
            var remaining = runEnds - Workflow.UtcNow;
            if (paused)
            {
                // Nothing decides or trades while paused: the services resume from the committed record.
                if (!await Workflow.WaitConditionAsync(() => !paused || stopReason is not null, remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero))
                {
                    throw ContinueAsNew(input);
                }

                if (stopReason is not null)
                {
                    return new Result(stopReason, actions, report);
                }

                continue;
            }

            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(Workflow.CancellationToken);
            var activityInput = new TradingActivityInput(Workflow.Info.WorkflowId, input.Model, input.Symbol.ToUpperInvariant(), input.Mode, input.Exchange, input.ConfirmAccount, input.TradeFrom, requestedVersion, input.StatusReportSeconds);
            var options = new ActivityOptions
            {
                StartToCloseTimeout = TimeSpan.FromHours(input.ContinueAsNewAfterHours) + TimeSpan.FromHours(1),
                HeartbeatTimeout = TimeSpan.FromSeconds(input.HeartbeatTimeoutSeconds),
                RetryPolicy = new RetryPolicy { InitialInterval = TimeSpan.FromSeconds(1), MaximumInterval = TimeSpan.FromSeconds(30), NonRetryableErrorTypes = [InvalidRequestException.ErrorType] },
                CancellationToken = attempt.Token,
                CancellationType = ActivityCancellationType.WaitCancellationCompleted,
            };
            var featureInput = new LiveDecisionActivityInput(Workflow.Info.WorkflowId, input.Model, input.Symbol.ToUpperInvariant(), input.TradeFrom, requestedVersion, input.StatusReportSeconds);
            var features = Workflow.ExecuteActivityAsync((ILiveDecisionActivities a) => a.RunFeatureServiceAsync(featureInput), options);
            var trading = Workflow.ExecuteActivityAsync((ITradingActivities a) => a.RunTradingServiceAsync(activityInput), options);
            bool dayOver;
            while (true)
            {
                remaining = runEnds - Workflow.UtcNow;
                var waiting = Workflow.WaitConditionAsync(() => stopReason is not null || paused || RollbackDue() || RetrainingDue(), remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, attempt.Token);
                var first = await Workflow.WhenAnyAsync(features, trading, waiting);
                if (first != waiting)
                {
                    attempt.Cancel();
                    await ActivityCancellation.AwaitCancelledAsync(first == features ? trading : features);
                    await first;
                    throw new ApplicationFailureException("a trading activity completed, which it never does on its own", "TradingEnded", nonRetryable: true);
                }

                dayOver = !await waiting;
                if (!dayOver && stopReason is null && !paused && await ReactAsync(input))
                {
                    continue;
                }

                break;
            }

            attempt.Cancel();
            await ActivityCancellation.AwaitCancelledAsync(features);
            await ActivityCancellation.AwaitCancelledAsync(trading);
            if (stopReason is not null)
            {
                return new Result(stopReason, actions, report);
            }

            if (dayOver)
            {
                throw ContinueAsNew(input);
            }

            if (!paused)
            {
                restarts++;
            }
        }
    }

    /// <summary>Stops deciding and trading until <see cref="ResumeAsync"/>; what was committed stays.</summary>
    [WorkflowUpdate]
    public Task<string> PauseAsync(Control control)
    {
        var line = Audited("paused", control);
        paused = true;
        return Task.FromResult(line);
    }

    [WorkflowUpdateValidator(nameof(PauseAsync))]
    public void ValidatePause(Control control) => Validate(control);

    /// <summary>Resumes a pause, and lifts the kill switch when it is engaged (only a person's resume does).</summary>
    [WorkflowUpdate]
    public async Task<string> ResumeAsync(Control control)
    {
        var line = Audited("resumed", control);
        await Workflow.ExecuteActivityAsync((ITradingActivities a) => a.SetKillSwitchAsync(new KillSwitchChange(false, control.By, control.Reason)), ControlOptions);
        paused = false;
        return line;
    }

    [WorkflowUpdateValidator(nameof(ResumeAsync))]
    public void ValidateResume(Control control) => Validate(control);

    /// <summary>Engages the kill switch: the next decision sends nothing and open orders are cancelled; decisions go on being recorded.</summary>
    [WorkflowUpdate]
    public async Task<string> KillAsync(Control control)
    {
        var line = Audited("killed", control);
        await Workflow.ExecuteActivityAsync((ITradingActivities a) => a.SetKillSwitchAsync(new KillSwitchChange(true, control.By, control.Reason)), ControlOptions);
        return line;
    }

    [WorkflowUpdateValidator(nameof(KillAsync))]
    public void ValidateKill(Control control) => Validate(control);

    /// <summary>The champion moved: the next trading attempt loads this version (the running one follows the registry).</summary>
    [WorkflowSignal]
    public Task SwapModelAsync(LiveDecisionWorkflow.ModelSwapRequest swap)
    {
        if (swap is { Version.Length: > 0 })
        {
            requestedVersion = swap.Version;
            actions.Add($"swap to v{swap.Version} by {swap.By}: {swap.Reason}");
        }

        return Task.CompletedTask;
    }

    [WorkflowSignal]
    public Task ReportStatusAsync(TradingReport status)
    {
        report = status;
        return Task.CompletedTask;
    }

    [WorkflowSignal]
    public Task StopAsync(string reason)
    {
        stopReason = string.IsNullOrWhiteSpace(reason) ? "stopped" : reason;
        return Task.CompletedTask;
    }

    private static ActivityOptions ControlOptions => new()
    {
        StartToCloseTimeout = TimeSpan.FromSeconds(30),
        RetryPolicy = new RetryPolicy { MaximumAttempts = 5, NonRetryableErrorTypes = [InvalidRequestException.ErrorType] },
    };

    private bool RollbackDue() => request.RollbackOnDrawdown && rollbackStarted is null && report?.Halted?.Contains(DrawdownRule, StringComparison.Ordinal) == true;

    private bool RetrainingDue() => request.RetrainBelowSharpe is { } bound && request.Retraining is not null && retrainingStarted is null && report?.RollingSharpe < bound;

    /// <summary>Starts the rollback or the retraining that became due; true when one was started (trading goes on meanwhile).</summary>
    private async Task<bool> ReactAsync(Request input)
    {
        if (RollbackDue())
        {
            var reference = ModelReference.Parse(input.Model);
            var id = $"{Workflow.Info.WorkflowId}-rollback-{Workflow.UtcNow:yyyyMMddHHmmss}";
            rollbackStarted = id;
            actions.Add($"drawdown halt ({report!.Halted}): rollback {id}");
            await Workflow.StartChildWorkflowAsync(
                (RollbackWorkflow wf) => wf.RunAsync(new RollbackWorkflow.Request(reference.Name!, "trading-workflow", $"live drawdown halt on {input.Symbol}: {report.Halted}", input.Symbol)),
                new ChildWorkflowOptions { Id = id, ParentClosePolicy = ParentClosePolicy.Abandon });
            return true;
        }

        if (RetrainingDue())
        {
            var id = $"{Workflow.Info.WorkflowId}-retraining-{Workflow.UtcNow:yyyyMMddHHmmss}";
            retrainingStarted = id;
            actions.Add($"rolling Sharpe {report!.RollingSharpe:0.##} below {input.RetrainBelowSharpe}: retraining {id}");
            var retraining = input.Retraining!;
            await Workflow.StartChildWorkflowAsync((RetrainingWorkflow wf) => wf.RunAsync(retraining), new ChildWorkflowOptions { Id = id, ParentClosePolicy = ParentClosePolicy.Abandon });
            return true;
        }

        return false;
    }

    private string Audited(string what, Control control)
    {
        var line = $"{what} by {control.By.Trim()}: {control.Reason.Trim()}";
        actions.Add(line);
        return line;
    }

    private static void Validate(Control control)
    {
        if (control is null || string.IsNullOrWhiteSpace(control.By) || string.IsNullOrWhiteSpace(control.Reason))
        {
            throw new ApplicationFailureException("Pause, resume and kill need the name of who does it and a reason.", InvalidRequestException.ErrorType, nonRetryable: true);
        }
    }

    private ContinueAsNewException ContinueAsNew(Request input)
    {
        var next = input with { ModelVersion = requestedVersion, LastReport = report, Paused = paused };
        return Workflow.CreateContinueAsNewException((TradingWorkflow wf) => wf.RunAsync(next));
    }

    private static string? Problem(Request input)
    {
        if (string.IsNullOrWhiteSpace(input.Symbol) || string.IsNullOrWhiteSpace(input.Model))
        {
            return "trading needs a model reference and a symbol";
        }

        if (input.Mode is not ("paper" or "testnet" or "live"))
        {
            return $"mode '{input.Mode}' is not paper, testnet or live";
        }

        if (input.Mode == "live" && string.IsNullOrWhiteSpace(input.ConfirmAccount))
        {
            return "live trading needs the account confirmed (--live --confirm-account ACCOUNT_ID)";
        }

        try
        {
            if (ModelReference.Parse(input.Model).Name is null && input.RollbackOnDrawdown)
            {
                return "a rollback on drawdown needs a registered model (models:/NAME@ALIAS), not a file";
            }
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
