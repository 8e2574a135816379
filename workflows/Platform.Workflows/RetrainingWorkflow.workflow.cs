using Platform.Domain.Promotion;
using Temporalio.Workflows;

namespace Platform.Workflows;

/// <summary>
/// Backfill → training → promotion, as child workflows. Ranges roll with time: training covers
/// <see cref="Request.TrainLength"/> ending <see cref="Request.ValidateLength"/> + <see cref="Request.EvaluateLength"/>
/// before now, then validation, then the out-of-sample evaluation up to now (all from Workflow.UtcNow, so replay-safe).
/// A Temporal Schedule starts it (e.g. weekly); a CLI command or signal-free start triggers it on demand.
/// </summary>
[Workflow]
public sealed class RetrainingWorkflow
{
    public sealed record Request(
        string ModelName,
        IReadOnlyList<string> Symbols,
        string TradedSymbol,
        TimeSpan TrainLength,
        TimeSpan ValidateLength,
        TimeSpan EvaluateLength,
        decimal FeeRate,
        IReadOnlyList<string> Kinds,
        TrainingHyperparameters Hyperparameters,
        PromotionThresholds Thresholds,
        TimeSpan ApprovalTimeout,
        DateTimeOffset? AsOf = null,
        string? SourceDirectory = null,
        string? AutoApprover = null);

    public sealed record Result(BackfillWorkflow.Result Backfill, TrainingWorkflow.Result Training, PromotionWorkflow.Result Promotion);

    [WorkflowRun]
    public async Task<Result> RunAsync(Request request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var now = request.AsOf ?? Workflow.UtcNow;
        var end = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
        var evaluateFrom = end - request.EvaluateLength;
        var validateFrom = evaluateFrom - request.ValidateLength;
        var trainFrom = validateFrom - request.TrainLength;
        var id = Workflow.Info.WorkflowId;

        var backfill = await Workflow.ExecuteChildWorkflowAsync(
            (BackfillWorkflow w) => w.RunAsync(new BackfillWorkflow.Request(request.Symbols, "1h", trainFrom, end, request.SourceDirectory)),
            new ChildWorkflowOptions { Id = $"{id}/backfill" });
        var training = await Workflow.ExecuteChildWorkflowAsync(
            (TrainingWorkflow w) => w.RunAsync(new TrainingWorkflow.Request(request.ModelName, request.TradedSymbol, trainFrom, validateFrom, validateFrom, evaluateFrom, request.FeeRate, request.Kinds, request.Hyperparameters)),
            new ChildWorkflowOptions { Id = $"{id}/training" });
        var promotionRequest = new PromotionWorkflow.Request(request.ModelName, request.TradedSymbol, evaluateFrom, end, request.FeeRate, request.Thresholds, request.ApprovalTimeout, [.. training.Candidates.Select(c => c.Version)], request.AutoApprover);
        var promotion = await Workflow.ExecuteChildWorkflowAsync(
            (PromotionWorkflow w) => w.RunAsync(promotionRequest),
            new ChildWorkflowOptions { Id = $"{id}/promotion" });
        return new Result(backfill, training, promotion);
    }
}
