using System.Globalization;
using Platform.Learning.Evaluation;
using Platform.Mlflow;
using Platform.Mlflow.Protocol;

namespace Platform.Activities;

/// <summary>
/// A walk-forward evaluation as MLflow runs: one parent run (the plan, the agents' options, every aggregate per policy
/// and fee level, the report folder as artifacts) and one nested run per fold (tag <c>mlflow.parentRunId</c>) with
/// that fold's ranges and test metrics.
/// </summary>
public static class WalkForwardTracking
{
    public const string ParentRunTag = "mlflow.parentRunId";

    public static async Task<string> LogAsync(MlflowClient mlflow, string experimentName, WalkForwardResult result, IReadOnlyList<PolicySummary> summaries, string? reportDirectory, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(mlflow);
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(summaries);
        var experiment = await mlflow.GetOrCreateExperimentAsync(experimentName, cancellation);
        var plan = result.Options.Plan;
        var parent = await mlflow.CreateRunAsync(
            experiment.ExperimentId,
            $"walk-forward-{plan.From:yyyyMMdd}-{plan.To:yyyyMMdd}",
            [new Tag("platform.kind", "walk-forward"), new Tag("mlflow.source.name", "platform evaluate walk-forward")],
            cancellationToken: cancellation);
        var runId = parent.Info.RunId;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var parameters = new List<Param>
        {
            new("from", $"{plan.From:O}"), new("to", $"{plan.To:O}"), new("train_months", Text(plan.TrainMonths)), new("validate_months", Text(plan.ValidateMonths)),
            new("test_months", Text(plan.TestMonths)), new("step_months", Text(plan.Step)), new("embargo_hours", Text(plan.EmbargoHours)),
            new("fees", string.Join(",", result.Options.Fees.Select(f => f.ToString(CultureInfo.InvariantCulture)))),
            new("training_fee", result.Options.Trading.FeeRate.ToString(CultureInfo.InvariantCulture)), new("traded_symbol", result.Options.Trading.Symbol),
            new("feature_spec", $"{result.Options.Features.Name}/v{result.Options.Features.Version}"), new("feature_spec_hash", result.Options.Features.ContentHash),
            new("data_hash", result.DataHash), new("seed", Text(result.Options.Seed)), new("folds", Text(result.Folds.Count)),
        };
        foreach (var (name, agent) in result.Options.Agents)
        {
            parameters.AddRange(AgentParameters(agent).Select(p => new Param($"{name}.{p.Key}", p.Value)));
        }

        var metrics = summaries.SelectMany(s => s.Metrics.SelectMany(m => new[]
        {
            new Metric($"{s.Policy}.fee_{s.Fee.ToString(CultureInfo.InvariantCulture)}.{m.Key}_median", Finite(m.Value.Median), now),
            new Metric($"{s.Policy}.fee_{s.Fee.ToString(CultureInfo.InvariantCulture)}.{m.Key}_mean", Finite(m.Value.Mean), now),
            new Metric($"{s.Policy}.fee_{s.Fee.ToString(CultureInfo.InvariantCulture)}.{m.Key}_ci_low", Finite(m.Value.Low), now),
            new Metric($"{s.Policy}.fee_{s.Fee.ToString(CultureInfo.InvariantCulture)}.{m.Key}_ci_high", Finite(m.Value.High), now),
        }).Append(new Metric($"{s.Policy}.fee_{s.Fee.ToString(CultureInfo.InvariantCulture)}.stitched_sharpe", Finite(s.StitchedSharpe), now)));
        await mlflow.LogBatchAsync(runId, metrics: metrics, parameters: parameters, cancellationToken: cancellation);

        foreach (var fold in result.Folds)
        {
            var child = await mlflow.CreateRunAsync(
                experiment.ExperimentId,
                $"fold-{fold.Index}",
                [new Tag(ParentRunTag, runId), new Tag("platform.kind", "walk-forward-fold"), new Tag("platform.fold", Text(fold.Index))],
                cancellationToken: cancellation);
            var foldMetrics = result.Tests.Where(t => t.Fold == fold.Index)
                .SelectMany(t => FoldMetrics.All.Select(m => new Metric($"{t.Policy}.fee_{t.Fee.ToString(CultureInfo.InvariantCulture)}.{m.Name}", Finite(m.Value(t.Metrics)), now)))
                .Concat(result.Training.Where(t => t.Fold == fold.Index).SelectMany(t => new[]
                {
                    new Metric($"{t.Agent}.validation_score", Finite(t.ValidationScore), now),
                    new Metric($"{t.Agent}.best_epoch", t.BestEpoch, now),
                    new Metric($"{t.Agent}.training_seconds", t.Elapsed.TotalSeconds, now),
                }));
            await mlflow.LogBatchAsync(
                child.Info.RunId,
                metrics: foldMetrics,
                parameters:
                [
                    new Param("train_range", $"{fold.TrainFrom:O}..{fold.TrainTo:O}"), new Param("validation_range", $"{fold.ValidateFrom:O}..{fold.ValidateTo:O}"),
                    new Param("test_range", $"{fold.TestFrom:O}..{fold.TestTo:O}"),
                ],
                cancellationToken: cancellation);
            await mlflow.EndRunAsync(child.Info.RunId, RunStatus.Finished, cancellation);
        }

        if (reportDirectory is not null && Directory.Exists(reportDirectory))
        {
            await mlflow.UploadDirectoryAsync(parent.Info.ArtifactUri, reportDirectory, "walk-forward", cancellation);
        }

        await mlflow.EndRunAsync(runId, RunStatus.Finished, cancellation);
        return runId;
    }

    /// <summary>The hyperparameters that define an agent, as MLflow params.</summary>
    public static IReadOnlyList<Param> AgentParameters(Platform.Learning.Agents.DqnAgentOptions agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var d = agent.Dqn;
        return
        [
            new("network_kind", agent.Kind.ToString().ToLowerInvariant()), new("hidden_size", Text(agent.HiddenSize)), new("dueling", Text(agent.Dueling)),
            new("max_epochs", Text(agent.MaxEpochs)), new("patience", Text(agent.Patience)), new("validation_metric", agent.ValidationMetric.ToString()),
            new("gamma", d.Gamma.ToString("R", CultureInfo.InvariantCulture)), new("learning_rate", d.LearningRate.ToString("R", CultureInfo.InvariantCulture)),
            new("double_dqn", Text(d.DoubleDqn)), new("target_sync_interval", Text(d.TargetSyncInterval)), new("epsilon_decay_steps", Text(d.EpsilonDecaySteps)),
            new("epsilon_end", d.EpsilonEnd.ToString("R", CultureInfo.InvariantCulture)), new("update_every", Text(d.UpdateEvery)), new("seed", Text(d.Seed)),
        ];
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Text(bool value) => value ? "true" : "false";

    private static double Finite(double value) => double.IsFinite(value) ? value : 0;
}
