using Platform.Domain.Evaluation;
using Temporalio.Common;
using Temporalio.Workflows;

namespace Platform.Workflows;

/// <summary>
/// One rung of one sweep trial: creates the trial's MLflow run on its first rung, evaluates the folds this rung adds
/// (one activity each, so a crash loses at most the fold in flight) and logs the trial's score at this rung.
/// </summary>
[Workflow]
public sealed class SweepTrialWorkflow
{
    public sealed record Request(SweepTarget Target, string SweepId, string ParentRunId, int TrialIndex, TrialParameters Parameters, string? RunId, int Rung, IReadOnlyList<WalkForwardFold> Folds, IReadOnlyList<FoldScore> Earlier);

    public sealed record Result(string RunId, IReadOnlyList<FoldScore> Folds, double Score);

    [WorkflowRun]
    public async Task<Result> RunAsync(Request request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var quick = new ActivityOptions { StartToCloseTimeout = TimeSpan.FromMinutes(2), RetryPolicy = new RetryPolicy { MaximumAttempts = 10 } };
        var runId = request.RunId ?? await Workflow.ExecuteActivityAsync(
            (ISweepActivities a) => a.StartTrialAsync(new StartTrialInput(request.Target, request.ParentRunId, request.SweepId, request.TrialIndex, request.Parameters)),
            quick);
        var training = new ActivityOptions
        {
            StartToCloseTimeout = TimeSpan.FromHours(2),
            HeartbeatTimeout = TimeSpan.FromMinutes(5),
            RetryPolicy = new RetryPolicy { MaximumAttempts = 3, NonRetryableErrorTypes = ["InvalidRequest"] },
        };
        var scores = new List<FoldScore>(request.Earlier);
        foreach (var fold in request.Folds)
        {
            scores.Add(await Workflow.ExecuteActivityAsync(
                (ISweepActivities a) => a.EvaluateTrialFoldAsync(new EvaluateTrialFoldInput(request.Target, request.SweepId, request.TrialIndex, runId, request.Parameters, fold)),
                training));
        }

        var score = SampleSummary.Quantile([.. scores.Select(s => s.Sharpe)], 0.5);
        await Workflow.ExecuteActivityAsync((ISweepActivities a) => a.LogTrialRungAsync(new LogTrialRungInput(runId, request.Rung, scores.Count, score)), quick);
        return new Result(runId, scores, score);
    }
}
