using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Platform.Domain;
using Platform.Domain.Evaluation;
using Platform.Domain.Features;
using Platform.Domain.MarketData;
using Platform.Domain.Models;
using Platform.Domain.Promotion;
using Platform.Domain.Trading;
using Platform.Learning.Agents;
using Platform.Learning.Evaluation;
using Platform.Learning.Networks;
using Platform.MarketData;
using Platform.Mlflow;
using Platform.Mlflow.ModelFormat;
using Platform.Mlflow.Protocol;
using Platform.Models;
using Platform.Workflows;
using Temporalio.Activities;
using Temporalio.Exceptions;

namespace Platform.Activities;

/// <summary>
/// The sweep's work: MLflow runs (the sweep's parent run, one nested run per trial), walk-forward folds of a trial
/// (train with selection on validation, test at the sweep's fee; returns written next to the sweep's outputs), and the
/// conclusion (leaderboard.csv, PBO and deflated Sharpe over all trials, the best configuration trained on the latest
/// window as models/best.dqn, registered as <c>challenger</c> with the statistics on its tags and in the audit log).
/// Market data is read from the request's directory and cached per directory and window length.
/// </summary>
public sealed class SweepActivities(MlflowClient mlflow, IAuditLog audit) : ISweepActivities
{
    public const string BestModelFile = "best.dqn";
    public const string LeaderboardFile = "leaderboard.csv";

    private static readonly ConcurrentDictionary<string, Lazy<TrainingData>> Data = new(StringComparer.Ordinal);

    [Activity("StartSweep")]
    public async Task<string> StartSweepAsync(StartSweepInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var cancellation = ActivityExecutionContext.Current.CancellationToken;
        var existing = await FindRunAsync(input.Target.ExperimentName, $"tags.`platform.sweep_id` = '{input.SweepId}' and tags.`platform.kind` = 'sweep'", cancellation);
        if (existing is not null)
        {
            return existing;
        }

        var experiment = await mlflow.GetOrCreateExperimentAsync(input.Target.ExperimentName, cancellation);
        var run = await mlflow.CreateRunAsync(
            experiment.ExperimentId,
            $"sweep-{input.SweepId}",
            [new Tag("platform.kind", "sweep"), new Tag("platform.sweep_id", input.SweepId), new Tag("mlflow.source.name", "SweepWorkflow")],
            cancellationToken: cancellation);
        var plan = input.Plan;
        await mlflow.LogBatchAsync(run.Info.RunId, parameters:
        [
            new Param("trials", Text(input.Trials)), new Param("seed", Text(input.Seed)), new Param("rungs", Text(input.Rungs)), new Param("eta", Text(input.Eta)),
            new Param("from", $"{plan.From:O}"), new Param("to", $"{plan.To:O}"), new Param("train_months", Text(plan.TrainMonths)),
            new Param("validate_months", Text(plan.ValidateMonths)), new Param("test_months", Text(plan.TestMonths)), new Param("step_months", Text(plan.Step)),
            new Param("embargo_hours", Text(plan.EmbargoHours)), new Param("fee_rate", input.Target.FeeRate.ToString(CultureInfo.InvariantCulture)),
            new Param("traded_symbol", input.Target.TradedSymbol), new Param("data_directory", input.Target.DataDirectory),
        ], cancellationToken: cancellation);
        return run.Info.RunId;
    }

    [Activity("StartSweepTrial")]
    public async Task<string> StartTrialAsync(StartTrialInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var cancellation = ActivityExecutionContext.Current.CancellationToken;
        var existing = await FindRunAsync(input.Target.ExperimentName, $"tags.`platform.sweep_id` = '{input.SweepId}' and tags.`platform.trial` = '{input.TrialIndex}'", cancellation);
        if (existing is not null)
        {
            return existing;
        }

        var experiment = await mlflow.GetOrCreateExperimentAsync(input.Target.ExperimentName, cancellation);
        var run = await mlflow.CreateRunAsync(
            experiment.ExperimentId,
            $"trial-{input.TrialIndex}",
            [new Tag(WalkForwardTracking.ParentRunTag, input.ParentRunId), new Tag("platform.kind", "sweep-trial"), new Tag("platform.sweep_id", input.SweepId), new Tag("platform.trial", Text(input.TrialIndex))],
            cancellationToken: cancellation);
        var p = input.Parameters;
        await mlflow.LogBatchAsync(run.Info.RunId, parameters:
        [
            .. WalkForwardTracking.AgentParameters(AgentOptions(p)),
            new Param("window_length", Text(p.WindowLength)), new Param("reward", p.Reward), new Param("action_cost_pct", p.ActionCostPct.ToString("R", CultureInfo.InvariantCulture)),
        ], cancellationToken: cancellation);
        return run.Info.RunId;
    }

    [Activity("EvaluateSweepTrialFold")]
    public async Task<FoldScore> EvaluateTrialFoldAsync(EvaluateTrialFoldInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var context = ActivityExecutionContext.Current;
        var cancellation = context.CancellationToken;
        var agent = AgentOptions(input.Parameters);
        var data = Load(input.Target, input.Parameters.WindowLength);
        var (score, returns) = await Task.Run(
            () =>
            {
                var (model, training) = WalkForward.Train(data, input.Fold, $"trial-{input.TrialIndex}", agent, p => context.Heartbeat(p.Epoch, p.Steps), cancellation);
                using (model)
                {
                    var test = WalkForward.ToTest(input.Fold, input.Target.FeeRate, DqnTrader.TradeGreedy(model, data.Frame, data.Features, data.Trading, new DateRange(input.Fold.TestFrom, input.Fold.TestTo), $"trial-{input.TrialIndex}"));
                    var m = test.Metrics;
                    return (new FoldScore(input.Fold.Index, m.Sharpe, m.ReturnPct, m.MaxDrawdownPct, m.BuyOrders + m.SellOrders, (double)m.FeesPaid, m.Exposure, training.ValidationScore, training.BestEpoch, ""), test.Returns);
                }
            },
            cancellation);
        var path = Path.Combine(TrialDirectory(input.Target, input.TrialIndex), $"fold-{input.Fold.Index}.returns");
        WriteReturns(path, returns);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await mlflow.LogBatchAsync(input.RunId, metrics:
        [
            new Metric("fold_sharpe", Finite(score.Sharpe), now, input.Fold.Index), new Metric("fold_return_pct", Finite(score.ReturnPct), now, input.Fold.Index),
            new Metric("fold_max_drawdown_pct", Finite(score.MaxDrawdownPct), now, input.Fold.Index), new Metric("fold_trades", score.Trades, now, input.Fold.Index),
            new Metric("fold_validation_score", Finite(score.ValidationScore), now, input.Fold.Index),
        ], cancellationToken: cancellation);
        return score with { ReturnsPath = path };
    }

    [Activity("LogSweepTrialRung")]
    public Task LogTrialRungAsync(LogTrialRungInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        return mlflow.LogBatchAsync(input.RunId, metrics: [new Metric("score", Finite(input.Score), now, input.Rung), new Metric("folds", input.Folds, now, input.Rung)], cancellationToken: ActivityExecutionContext.Current.CancellationToken);
    }

    [Activity("ConcludeSweep")]
    public async Task<SweepConclusion> ConcludeAsync(ConcludeSweepInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var context = ActivityExecutionContext.Current;
        var cancellation = context.CancellationToken;
        var evaluated = input.Trials.Where(t => t.Folds.Count > 0).ToList();
        var ranked = Rank(input.Trials);
        var best = ranked[0];
        var (pbo, dsr) = Overfitting(evaluated, best);
        Directory.CreateDirectory(input.Target.OutputDirectory);
        var leaderboard = Path.Combine(input.Target.OutputDirectory, LeaderboardFile);
        await File.WriteAllTextAsync(leaderboard, Leaderboard(ranked), cancellation);

        // The deployable model: the best configuration trained on the most recent train + validation months.
        var plan = input.Plan;
        var validateFrom = plan.To.AddMonths(-plan.ValidateMonths);
        var latest = new WalkForwardFold(-1, validateFrom.AddMonths(-plan.TrainMonths), validateFrom - TimeSpan.FromHours(plan.EmbargoHours), validateFrom, plan.To, plan.To, plan.To);
        var data = Load(input.Target, best.Parameters.WindowLength);
        var modelPath = Path.Combine(input.Target.OutputDirectory, "models", BestModelFile);
        var (model, _) = await Task.Run(() => WalkForward.Train(data, latest, $"{input.Target.ModelName}-sweep", AgentOptions(best.Parameters), p => context.Heartbeat(p.Epoch), cancellation), cancellation);
        using (model)
        {
            model.Save(modelPath);
            var tags = new Dictionary<string, string>
            {
                ["platform.sweep_id"] = input.SweepId,
                ["platform.sweep_trials"] = Text(input.Trials.Count),
                ["platform.sweep_best_trial"] = Text(best.Index),
                ["platform.sweep_best_score"] = best.Score.ToString("0.####", CultureInfo.InvariantCulture),
                ["platform.pbo"] = Number(pbo),
                ["platform.deflated_sharpe_probability"] = Number(dsr),
            };
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await mlflow.LogBatchAsync(input.ParentRunId, metrics:
            [
                new Metric("best_score", Finite(best.Score), now), new Metric("pbo", Finite(pbo), now), new Metric("deflated_sharpe_probability", Finite(dsr), now),
                new Metric("trials_evaluated", evaluated.Count, now),
            ], tags: [.. tags.Select(t => new Tag(t.Key, t.Value))], cancellationToken: cancellation);
            await mlflow.UploadFileAsync((await mlflow.GetRunAsync(input.ParentRunId, cancellation)).Info.ArtifactUri, leaderboard, null, cancellation);
            foreach (var trial in input.Trials.Where(t => t.RunId.Length > 0))
            {
                await mlflow.SetTagAsync(trial.RunId, "platform.status", trial.Status, cancellation);
                await mlflow.EndRunAsync(trial.RunId, RunStatus.Finished, cancellation);
            }

            string? version = null;
            if (input.Register)
            {
                var format = new PlatformModelFormat(mlflow);
                var metadata = DqnCheckpointCodec.Describe(model);
                var logged = await format.LogModelAsync(await mlflow.GetRunAsync(input.ParentRunId, cancellation), model, metadata, new DqnCheckpointCodec(), cancellationToken: cancellation);
                version = (await format.RegisterAsync(input.Target.ModelName, logged, metadata, cancellation)).Version;
                foreach (var (key, value) in tags)
                {
                    await mlflow.SetModelVersionTagAsync(input.Target.ModelName, version, key, value, cancellation);
                }

                await mlflow.SetModelAliasAsync(input.Target.ModelName, ModelAliases.Challenger, version, cancellation);
            }

            await audit.AppendAsync(new AuditEntry(DateTimeOffset.UtcNow, input.SweepId, "sweep_concluded", input.Target.ModelName, version, "SweepWorkflow", $"best of {input.Trials.Count} trials", tags), cancellation);
            await mlflow.EndRunAsync(input.ParentRunId, RunStatus.Finished, cancellation);
            return new SweepConclusion(leaderboard, modelPath, best.Index, best.Score, pbo, dsr, version);
        }
    }

    /// <summary>The agent a trial's parameters describe (defaults of its network kind for everything the space leaves out).</summary>
    public static DqnAgentOptions AgentOptions(TrialParameters p)
    {
        ArgumentNullException.ThrowIfNull(p);
        var kind = p.Kind.ToLowerInvariant() switch
        {
            "linear" => QNetworkKind.Linear,
            "lstm" => QNetworkKind.Lstm,
            _ => throw new ApplicationFailureException($"Unknown network kind '{p.Kind}' (linear or lstm).", "InvalidRequest", nonRetryable: true),
        };
        var defaults = DqnAgentOptions.Default(kind, p.Seed);
        var agent = defaults with
        {
            HiddenSize = p.HiddenSize,
            Dueling = p.Dueling,
            MaxEpochs = p.MaxEpochs,
            Reward = p.Reward switch
            {
                "equity-change" => RewardVariant.EquityChange,
                "log-return" => RewardVariant.LogReturn,
                "differential-sharpe" => RewardVariant.DifferentialSharpe,
                _ => throw new ApplicationFailureException($"Unknown reward '{p.Reward}' (equity-change, log-return, differential-sharpe).", "InvalidRequest", nonRetryable: true),
            },
            ActionCostPct = p.ActionCostPct,
            Dqn = defaults.Dqn with { LearningRate = p.LearningRate, Gamma = p.Gamma, EpsilonDecaySteps = p.EpsilonDecaySteps, TargetSyncInterval = p.TargetSyncInterval, DoubleDqn = p.DoubleDqn, Seed = p.Seed },
        };
        var errors = agent.Validate();
        return errors.Count == 0 ? agent : throw new ApplicationFailureException("Invalid trial: " + string.Join("; ", errors), "InvalidRequest", nonRetryable: true);
    }

    /// <summary>Trials that reached the most folds first, then by score (ties to the lower index); unevaluated trials last.</summary>
    public static IReadOnlyList<TrialRecord> Rank(IReadOnlyList<TrialRecord> trials)
    {
        ArgumentNullException.ThrowIfNull(trials);
        return [.. trials.OrderByDescending(t => t.Folds.Count).ThenByDescending(t => double.IsNaN(t.Score) ? double.NegativeInfinity : t.Score).ThenBy(t => t.Index)];
    }

    /// <summary>PBO (CSCV) and the best trial's deflated Sharpe over every evaluated trial, on the folds all of them reached.</summary>
    private static (double Pbo, double Dsr) Overfitting(IReadOnlyList<TrialRecord> evaluated, TrialRecord best)
    {
        var common = evaluated.Select(t => t.Folds.Select(f => f.Fold)).Aggregate((a, b) => a.Intersect(b)).Order().ToList();
        var matrix = evaluated.Select(t => (IReadOnlyList<double>)[.. common.SelectMany(f => ReadReturns(t.Folds.First(x => x.Fold == f).ReturnsPath))]).ToList();
        var rows = matrix.Count > 0 ? matrix[0].Count : 0;
        var groups = Math.Min(16, rows / 2 / 2 * 2);
        var pbo = matrix.Count >= 2 && groups >= 2 ? BacktestOverfitting.Estimate(matrix, groups).Probability : double.NaN;
        var sharpes = matrix.Select(r => Statistics.Moments(r) is var m && m.StdDev > 0 ? m.Mean / m.StdDev : 0).ToList();
        var bestReturns = best.Folds.OrderBy(f => f.Fold).SelectMany(f => ReadReturns(f.ReturnsPath)).ToList();
        return (pbo, DeflatedSharpe.Probability(bestReturns, sharpes));
    }

    private static string Leaderboard(IReadOnlyList<TrialRecord> ranked)
    {
        var inv = CultureInfo.InvariantCulture;
        var csv = new StringBuilder("rank,trial,status,rung,folds,score_median_sharpe,mean_sharpe,median_return_pct,worst_max_drawdown_pct,mean_trades,kind,hidden_size,window_length,learning_rate,gamma,epsilon_decay_steps,target_sync_interval,double_dqn,dueling,reward,action_cost_pct,seed,max_epochs,run_id\n");
        for (var i = 0; i < ranked.Count; i++)
        {
            var t = ranked[i];
            var p = t.Parameters;
            var f = t.Folds;
            string Stat(Func<FoldScore, double> value, Func<IEnumerable<double>, double> aggregate) => f.Count > 0 ? aggregate(f.Select(value)).ToString("0.####", inv) : "";
            csv.Append(inv, $"{i + 1},{t.Index},\"{t.Status.Replace("\"", "'", StringComparison.Ordinal)}\",{t.Rung},{f.Count},{(f.Count > 0 ? t.Score.ToString("0.####", inv) : "")},{Stat(x => x.Sharpe, v => v.Average())},");
            csv.Append(inv, $"{Stat(x => x.ReturnPct, v => SampleSummary.Quantile([.. v], 0.5))},{Stat(x => x.MaxDrawdownPct, v => v.Max())},{Stat(x => x.Trades, v => v.Average())},");
            csv.Append(inv, $"{p.Kind},{p.HiddenSize},{p.WindowLength},{p.LearningRate},{p.Gamma},{p.EpsilonDecaySteps},{p.TargetSyncInterval},{p.DoubleDqn},{p.Dueling},{p.Reward},{p.ActionCostPct},{p.Seed},{p.MaxEpochs},{t.RunId}\n");
        }

        return csv.ToString();
    }

    private static TrainingData Load(SweepTarget target, int windowLength)
    {
        var key = $"{Path.GetFullPath(target.DataDirectory)}|{target.Interval}|{target.TradedSymbol}|{target.FeeRate}|{windowLength}";
        try
        {
            return Data.GetOrAdd(key, _ => new Lazy<TrainingData>(() =>
            {
                var spec = FeatureSpec.PaperDefault with { WindowLength = windowLength };
                var symbols = spec.Symbols.Append(target.TradedSymbol).Distinct().ToList();
                var loaded = MarketDataLoader.LoadDirectory(target.DataDirectory, KlineInterval.Parse(target.Interval), symbols);
                return WalkForward.Prepare(loaded.Data, spec, new TradingOptions { Symbol = target.TradedSymbol, FeeRate = target.FeeRate });
            })).Value;
        }
        catch (Exception e) when (e is ArgumentException or DirectoryNotFoundException or FileNotFoundException or MarketDataFormatException or FormatException)
        {
            Data.TryRemove(key, out _);
            throw new ApplicationFailureException($"Market data in {target.DataDirectory}: {e.Message}", "InvalidRequest", nonRetryable: true);
        }
    }

    private async Task<string?> FindRunAsync(string experimentName, string filter, CancellationToken cancellation)
    {
        var experiment = await mlflow.GetExperimentByNameAsync(experimentName, cancellation);
        if (experiment is null)
        {
            return null;
        }

        var found = await mlflow.SearchRunsAsync([experiment.ExperimentId], filter, maxResults: 1, cancellationToken: cancellation);
        return found.Runs is { Count: > 0 } runs ? runs[0].Info.RunId : null;
    }

    private static string TrialDirectory(SweepTarget target, int trial) => Path.Combine(target.OutputDirectory, "trials", $"trial-{trial}");

    private static void WriteReturns(string path, double[] returns)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var bytes = new byte[returns.Length * sizeof(double)];
        Buffer.BlockCopy(returns, 0, bytes, 0, bytes.Length);
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }

    private static double[] ReadReturns(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var returns = new double[bytes.Length / sizeof(double)];
        Buffer.BlockCopy(bytes, 0, returns, 0, bytes.Length);
        return returns;
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Number(double value) => double.IsFinite(value) ? value.ToString("0.####", CultureInfo.InvariantCulture) : "n/a";

    private static double Finite(double value) => double.IsFinite(value) ? value : 0;
}
