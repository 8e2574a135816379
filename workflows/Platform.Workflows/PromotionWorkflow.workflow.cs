using System.Globalization;
using Platform.Domain;
using Platform.Domain.Models;
using Platform.Domain.Promotion;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace Platform.Workflows;

/// <summary>
/// Champion vs challenger. Both are backtested on the same out-of-sample range with fees; the gate (Sharpe margin,
/// drawdown bound, minimum trades, deflated Sharpe over all candidates) decides whether a human is asked. Approval
/// comes as a Temporal update (approver and reason required, only for the version under review) before a timeout that
/// rejects; on approval <c>champion</c> moves to the challenger and the old champion is kept as
/// <c>previous_champion</c> for a one-command rollback. Every number and decision lands in the audit log and on the
/// model version's tags.
/// </summary>
[Workflow]
public sealed class PromotionWorkflow
{

    private readonly ActivityOptions quick = new() { StartToCloseTimeout = TimeSpan.FromMinutes(2), RetryPolicy = new RetryPolicy { MaximumAttempts = 10 } };
    private ApprovalDecision? decision;
    private string? challengerVersion;

    public enum Stage
    {
        Evaluating,
        AwaitingApproval,
        Promoted,
        Rejected,
    }

    public sealed record Request(
        string ModelName,
        string TradedSymbol,
        DateTimeOffset EvaluateFrom,
        DateTimeOffset EvaluateTo,
        decimal FeeRate,
        PromotionThresholds Thresholds,
        TimeSpan ApprovalTimeout,
        IReadOnlyList<string>? CandidateVersions = null,
        string? AutoApprover = null);

    public sealed record ApprovalDecision(string Version, string Approver, string Reason);

    public sealed record Result(Stage Outcome, string? ChallengerVersion, string? PreviousChampion, GateResult? Gate, string? DecidedBy, string Reason);

    [WorkflowQuery]
    public Stage CurrentStage { get; private set; } = Stage.Evaluating;

    [WorkflowQuery]
    public GateResult? Gate { get; private set; }

    [WorkflowRun]
    public async Task<Result> RunAsync(Request request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.EvaluateTo <= request.EvaluateFrom || request.ApprovalTimeout <= TimeSpan.Zero)
        {
            throw new ApplicationFailureException("The evaluation range must be non-empty and the approval timeout positive.", InvalidRequestException.ErrorType, nonRetryable: true);
        }

        challengerVersion = await Workflow.ExecuteActivityAsync((IRegistryActivities a) => a.GetAliasAsync(new GetAliasInput(request.ModelName, ModelAliases.Challenger)), quick)
            ?? throw new ApplicationFailureException($"Model {request.ModelName} has no '{ModelAliases.Challenger}' version to evaluate.", "NoChallenger", nonRetryable: true);
        var champion = await Workflow.ExecuteActivityAsync((IRegistryActivities a) => a.GetAliasAsync(new GetAliasInput(request.ModelName, ModelAliases.Champion)), quick);
        if (champion == challengerVersion)
        {
            return await FinishAsync(request, Stage.Rejected, champion, null, null, $"version {challengerVersion} is already the champion");
        }

        var candidates = request.CandidateVersions is { Count: > 0 } listed ? listed : [challengerVersion];
        Gate = await Workflow.ExecuteActivityAsync(
            (IPromotionActivities a) => a.EvaluateGateAsync(new EvaluateGateInput(request.ModelName, challengerVersion, champion, candidates, request.TradedSymbol, request.EvaluateFrom, request.EvaluateTo, request.FeeRate, request.Thresholds)),
            new ActivityOptions { StartToCloseTimeout = TimeSpan.FromMinutes(30), HeartbeatTimeout = TimeSpan.FromMinutes(2), RetryPolicy = new RetryPolicy { MaximumAttempts = 3 } });
        await TagAsync(request.ModelName, challengerVersion, GateTags(Gate));
        await AuditAsync(request, "gate_evaluated", challengerVersion, null, Gate.Decision.Summary, GateTags(Gate));
        if (!Gate.Decision.Passed)
        {
            return await FinishAsync(request, Stage.Rejected, champion, Gate, "gate", Gate.Decision.Summary);
        }

        CurrentStage = Stage.AwaitingApproval;
        if (request.AutoApprover is { } auto)
        {
            decision = new ApprovalDecision(challengerVersion, auto, "automatic approval configured for this run");
            Approved = true;
        }

        var decided = await Workflow.WaitConditionAsync(() => decision is not null, request.ApprovalTimeout);
        if (!decided)
        {
            return await FinishAsync(request, Stage.Rejected, champion, Gate, "timeout", $"no approval within {request.ApprovalTimeout}");
        }

        if (!Approved)
        {
            return await FinishAsync(request, Stage.Rejected, champion, Gate, decision!.Approver, decision.Reason);
        }

        if (champion is not null)
        {
            await Workflow.ExecuteActivityAsync((IRegistryActivities a) => a.SetAliasAsync(new SetAliasInput(request.ModelName, ModelAliases.PreviousChampion, champion)), quick);
        }

        await Workflow.ExecuteActivityAsync((IRegistryActivities a) => a.SetAliasAsync(new SetAliasInput(request.ModelName, ModelAliases.Champion, challengerVersion)), quick);
        if (Workflow.Patched(LiveDecisionSignalPatch))
        {
            await LiveDecisionWorkflow.SignalChampionMovedAsync(request.ModelName, request.TradedSymbol, challengerVersion!, $"promoted by {Workflow.Info.WorkflowId}", decision!.Approver);
        }
        await TagAsync(request.ModelName, challengerVersion, new Dictionary<string, string>
        {
            ["platform.approved_by"] = decision!.Approver,
            ["platform.approved_at"] = Workflow.UtcNow.ToString("O", CultureInfo.InvariantCulture),
            ["platform.approval_reason"] = decision.Reason,
        });
        return await FinishAsync(request, Stage.Promoted, champion, Gate, decision.Approver, decision.Reason);
    }

    /// <summary>Runs recorded before promotions told live decisions about the new champion replay without the signal.</summary>
    internal const string LiveDecisionSignalPatch = "signal-live-decisions";

    private bool Approved { get; set; }

    [WorkflowUpdateValidator(nameof(ApproveAsync))]
    public void ValidateApprove(ApprovalDecision approval) => ValidateDecision(approval);

    /// <summary>Approves the version under review; returns the stage the workflow moves to.</summary>
    [WorkflowUpdate]
    public Task<Stage> ApproveAsync(ApprovalDecision approval)
    {
        decision = approval;
        Approved = true;
        return Task.FromResult(Stage.Promoted);
    }

    [WorkflowUpdateValidator(nameof(RejectAsync))]
    public void ValidateReject(ApprovalDecision rejection) => ValidateDecision(rejection);

    [WorkflowUpdate]
    public Task<Stage> RejectAsync(ApprovalDecision rejection)
    {
        decision = rejection;
        Approved = false;
        return Task.FromResult(Stage.Rejected);
    }

    private void ValidateDecision(ApprovalDecision d)
    {
        if (d is null || string.IsNullOrWhiteSpace(d.Approver) || string.IsNullOrWhiteSpace(d.Reason))
        {
            throw new ApplicationFailureException("An approver name and a reason are required.");
        }

        if (CurrentStage != Stage.AwaitingApproval || decision is not null)
        {
            throw new ApplicationFailureException($"Nothing awaits approval (stage: {CurrentStage}).");
        }

        if (d.Version != challengerVersion)
        {
            throw new ApplicationFailureException($"Version {d.Version} is not under review; the challenger is version {challengerVersion}.");
        }
    }

    private static Dictionary<string, string> GateTags(GateResult gate)
    {
        var tags = new Dictionary<string, string> { ["platform.gate.passed"] = gate.Decision.Passed ? "true" : "false" };
        foreach (var check in gate.Decision.Checks)
        {
            tags[$"platform.gate.{check.Name}"] = check.Value.ToString("R", CultureInfo.InvariantCulture);
            tags[$"platform.gate.{check.Name}.threshold"] = check.Threshold?.ToString("R", CultureInfo.InvariantCulture) ?? "n/a";
        }

        return tags;
    }

    private async Task TagAsync(string model, string version, Dictionary<string, string> tags) =>
        await Workflow.ExecuteActivityAsync((IRegistryActivities a) => a.TagVersionAsync(new TagVersionInput(model, version, tags)), quick);

    private async Task AuditAsync(Request request, string action, string? version, string? actor, string reason, IReadOnlyDictionary<string, string> details) =>
        await Workflow.ExecuteActivityAsync(
            (IPromotionActivities a) => a.RecordAuditAsync(new AuditEntry(Workflow.UtcNow, Workflow.Info.WorkflowId, action, request.ModelName, version, actor, reason, details)),
            quick);

    private async Task<Result> FinishAsync(Request request, Stage outcome, string? champion, GateResult? gate, string? decidedBy, string reason)
    {
        CurrentStage = outcome;
        var details = new Dictionary<string, string> { ["previous_champion"] = champion ?? "" };
        await AuditAsync(request, outcome == Stage.Promoted ? "promoted" : "rejected", challengerVersion, decidedBy, reason, details);
        return new Result(outcome, challengerVersion, champion, gate, decidedBy, reason);
    }
}
