using Platform.Domain.Evaluation;
using Temporalio.Common;
using Temporalio.Exceptions;
using Temporalio.Workflows;

namespace Platform.Workflows;

/// <summary>
/// A hyperparameter sweep scored by walk-forward evaluation, with successive halving over folds: every trial is tested
/// on the first rung's folds, the best 1/η go on to more folds, and so on until the last rung covers every fold. Each
/// (trial, rung) is a child workflow, at most <see cref="Request.MaxConcurrentTrials"/> at a time, so more workers on
/// the task queue run more trials in parallel. Trials are drawn from the search space by the sweep's seed, so the
/// same request gives the same trials; finished trials are in history and never rerun after a crash. The conclusion
/// computes the probability of backtest overfitting and the deflated Sharpe ratio over all trials, trains the best
/// configuration on the latest window and registers it as <c>challenger</c>.
/// </summary>
[Workflow]
public sealed class SweepWorkflow
{
    private readonly Dictionary<int, TrialRecord> trials = [];
    private int rung;

    /// <param name="BudgetMinutes">No new trial rung starts after this long (workflow time); null = no limit.</param>
    public sealed record Request(
        SweepTarget Target,
        WalkForwardPlan Plan,
        int Trials,
        int Seed,
        SweepSearchSpace? Space = null,
        int Rungs = 3,
        int Eta = 2,
        int MaxConcurrentTrials = 2,
        double? BudgetMinutes = null,
        bool Register = true);

    public sealed record Result(string ParentRunId, IReadOnlyList<TrialRecord> Trials, SweepConclusion Conclusion);

    public sealed record Progress(int Rung, int Finished, int Trials);

    [WorkflowQuery]
    public Progress CurrentProgress => new(rung, trials.Values.Count(t => t.Status is not ("pending" or "running" or "evaluated")), trials.Count);

    [WorkflowRun]
    public async Task<Result> RunAsync(Request request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var space = request.Space ?? SweepSearchSpace.Default;
        IReadOnlyList<WalkForwardFold> folds;
        try
        {
            folds = request.Plan.Folds();
        }
        catch (ArgumentException e)
        {
            throw new ApplicationFailureException(e.Message, "InvalidRequest", nonRetryable: true);
        }

        var problems = space.Validate();
        if (request.Trials < 1 || request.Rungs < 1 || request.Eta < 2 || request.MaxConcurrentTrials < 1)
        {
            problems = [.. problems, "trials and rungs must be at least 1, eta at least 2, concurrency at least 1"];
        }

        if (problems.Count > 0)
        {
            throw new ApplicationFailureException("Invalid sweep: " + string.Join("; ", problems), "InvalidRequest", nonRetryable: true);
        }

        var started = Workflow.UtcNow;
        var sweepId = Workflow.Info.WorkflowId;
        var quick = new ActivityOptions { StartToCloseTimeout = TimeSpan.FromMinutes(2), RetryPolicy = new RetryPolicy { MaximumAttempts = 10 } };
        var parentRunId = await Workflow.ExecuteActivityAsync(
            (ISweepActivities a) => a.StartSweepAsync(new StartSweepInput(request.Target, sweepId, request.Trials, request.Seed, request.Plan, request.Rungs, request.Eta)),
            quick);
        for (var i = 0; i < request.Trials; i++)
        {
            trials[i] = new TrialRecord(i, space.Sample(request.Seed, i), "", [], -1, double.NaN, "pending");
        }

        var active = trials.Keys.ToList();
        var budget = request.BudgetMinutes is { } minutes ? TimeSpan.FromMinutes(minutes) : TimeSpan.MaxValue;
        for (rung = 0; rung < request.Rungs && active.Count > 0; rung++)
        {
            var foldBudget = FoldsAtRung(folds.Count, request.Rungs, request.Eta, rung);
            var pending = new Queue<int>(active);
            var running = new Dictionary<Task<SweepTrialWorkflow.Result>, int>();
            while (pending.Count > 0 || running.Count > 0)
            {
                while (pending.Count > 0 && running.Count < request.MaxConcurrentTrials && Workflow.UtcNow - started < budget)
                {
                    var index = pending.Dequeue();
                    var trial = trials[index];
                    var child = new SweepTrialWorkflow.Request(
                        request.Target, sweepId, parentRunId, index, trial.Parameters, trial.RunId.Length > 0 ? trial.RunId : null, rung,
                        [.. folds.Skip(trial.Folds.Count).Take(foldBudget - trial.Folds.Count)], trial.Folds);
                    trials[index] = trial with { Status = "running" };
                    running[Workflow.ExecuteChildWorkflowAsync((SweepTrialWorkflow w) => w.RunAsync(child), new ChildWorkflowOptions { Id = $"{sweepId}/trial-{index}/rung-{rung}" })] = index;
                }

                if (running.Count == 0)
                {
                    // Out of budget: the trials not started at this rung keep what they had.
                    foreach (var index in pending)
                    {
                        trials[index] = trials[index] with { Status = trials[index].Folds.Count > 0 ? "stopped (budget)" : "skipped (budget)" };
                    }

                    pending.Clear();
                    break;
                }

                var finished = await Workflow.WhenAnyAsync(running.Keys);
                var done = running[finished];
                running.Remove(finished);
                try
                {
                    var result = await finished;
                    trials[done] = trials[done] with { RunId = result.RunId, Folds = result.Folds, Rung = rung, Score = result.Score, Status = "evaluated" };
                }
                catch (ChildWorkflowFailureException e)
                {
                    // One broken configuration (e.g. diverged training) must not end the sweep.
                    trials[done] = trials[done] with { Status = $"failed: {e.InnerException?.Message ?? e.Message}" };
                }
            }

            // Successive halving: the best 1/η by median test Sharpe go on (ties to the lower index: deterministic).
            var evaluated = active.Where(i => trials[i].Rung == rung).OrderByDescending(i => trials[i].Score).ThenBy(i => i).ToList();
            var keep = rung + 1 < request.Rungs ? (int)Math.Ceiling(evaluated.Count / (double)request.Eta) : evaluated.Count;
            foreach (var index in evaluated.Skip(keep))
            {
                trials[index] = trials[index] with { Status = $"stopped at rung {rung}" };
            }

            active = [.. evaluated.Take(keep)];
            if (Workflow.UtcNow - started >= budget)
            {
                break;
            }
        }

        foreach (var index in active)
        {
            trials[index] = trials[index] with { Status = "finished" };
        }

        var records = trials.Values.OrderBy(t => t.Index).ToList();
        if (records.All(t => t.Folds.Count == 0))
        {
            throw new ApplicationFailureException("The budget ran out before any trial was evaluated.", "BudgetExhausted", nonRetryable: true);
        }

        var conclusion = await Workflow.ExecuteActivityAsync(
            (ISweepActivities a) => a.ConcludeAsync(new ConcludeSweepInput(request.Target, sweepId, parentRunId, request.Plan, records, request.Register)),
            new ActivityOptions { StartToCloseTimeout = TimeSpan.FromHours(1), HeartbeatTimeout = TimeSpan.FromMinutes(5), RetryPolicy = new RetryPolicy { MaximumAttempts = 3, NonRetryableErrorTypes = ["InvalidRequest"] } });
        return new Result(parentRunId, records, conclusion);
    }

    /// <summary>Folds evaluated by rung <paramref name="rung"/>: F / η^(rungs − 1 − rung), at least 1; the last rung covers all F.</summary>
    public static int FoldsAtRung(int folds, int rungs, int eta, int rung) =>
        Math.Max(1, (int)Math.Ceiling(folds / Math.Pow(eta, rungs - 1 - rung)));
}
